"""Errors the library raises; the CLI and the app turn them into one-line messages."""

from __future__ import annotations


class RagError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class InputError(RagError):
    """A question, option or file given by the user is not usable."""


class CorpusError(RagError):
    """The corpus folder is missing, empty or unreadable."""


class ModelMissingError(RagError):
    """A model file is not in the cache."""

    def __init__(self, name: str, path: object) -> None:
        super().__init__(f"model '{name}' not found at {path}: run `rag models fetch` to download it")


class ModelIntegrityError(RagError):
    """A model file does not have the expected sha256 or format."""


class IndexStateError(RagError):
    """The index on disk is missing, stale, damaged or built with other settings."""


class GeneratorError(RagError):
    """The answer generator failed or timed out."""
