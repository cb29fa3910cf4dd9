"""Sentiment per comment: the label-free scorer, the labels a store has, the head it learns, and the saved head."""
