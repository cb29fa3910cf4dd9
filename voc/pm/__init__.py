"""What product managers do with themes: the status workflow, merges and splits, corrections, handoffs, reports."""
