"""The loop back to agents: what became of each comment they filed, in their language, and the digests."""
