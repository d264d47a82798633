"""Errors of the demo corpus: a source or a file that cannot be rendered, read or edited."""

from __future__ import annotations

__all__ = ["CorpusSourceError", "RenderError", "UnsupportedEditError"]


class RenderError(ValueError):
    """A document cannot be rendered to the requested format (unknown format, no table for a
    spreadsheet)."""


class CorpusSourceError(ValueError):
    """An authored corpus source is malformed (bad header, unknown format, missing facts)."""


class UnsupportedEditError(ValueError):
    """A scenario edit was asked of a file whose format it cannot edit in place."""
