"""Errors raised when a document's bytes cannot be turned into text."""

from __future__ import annotations


class ExtractionError(Exception):
    """A document could not be read as text; `reason` is one sentence a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedFileTypeError(ExtractionError):
    """The document's type is not one syncrag extracts text from."""


class UnreadableFileError(ExtractionError):
    """The document claims a supported type but its bytes are corrupt or unreadable."""


class NoTextError(ExtractionError):
    """The document was read but holds no text (empty file, scanned PDF without a text layer)."""


class LimitExceededError(ExtractionError):
    """Reading the document would cost more than a configured bound; `limit` names the bound."""

    def __init__(self, reason: str, *, limit: str) -> None:
        super().__init__(reason)
        self.limit = limit
