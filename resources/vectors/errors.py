"""Errors the vector store raises, each with a message a person can act on."""

from __future__ import annotations

__all__ = ["VectorStoreBusy", "VectorStoreError"]


class VectorStoreError(Exception):
    """The vector store could not be opened or used."""


class VectorStoreBusy(VectorStoreError):
    """Another process holds the embedded store's lock for longer than we are willing to wait."""
