"""Question answering over news articles about Vietnam's AI policy."""

__version__ = "0.1.0"
