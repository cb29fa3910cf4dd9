"""voc: voice of customer. Agent-captured comments in, ranked themes out."""

__version__ = "0.1.0"
