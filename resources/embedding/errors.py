"""Errors of the embedding layer: bad configuration, an unloadable model, an over-long input."""

from __future__ import annotations


class EmbeddingError(Exception):
    """Base class of the embedding layer's errors."""


class EmbeddingConfigError(EmbeddingError):
    """The embedding settings name an unknown backend or an impossible value."""


class EmbeddingModelError(EmbeddingError):
    """The embedding model could not be loaded."""


class EmbeddingInputTooLongError(EmbeddingError):
    """A text is longer than the model reads; embedding it would silently drop its tail."""
