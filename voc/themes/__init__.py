"""Themes from embeddings: sub-themes (clusters), themes above them, stable ids, nights, titles and keywords."""
