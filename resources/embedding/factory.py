"""Builds the configured Embedder from settings (SYNCRAG_EMBEDDING_* values)."""

from __future__ import annotations

from resources.embedding.base import Embedder
from resources.embedding.errors import EmbeddingConfigError
from resources.embedding.fake import FakeEmbedder
from resources.embedding.sentence_transformer import SentenceTransformerEmbedder

BACKENDS = ("sentence-transformers", "fake")


def embedder_from_settings(
    backend: str, model: str | None, device: str, batch_size: int
) -> Embedder:
    """The embedder for a backend name; the model loads lazily, on first use.

    The fake backend ignores model, device and batch size.
    """
    chosen = backend.strip().lower()
    if chosen == "sentence-transformers":
        return SentenceTransformerEmbedder(model, device=device, batch_size=batch_size)
    if chosen == "fake":
        return FakeEmbedder()
    raise EmbeddingConfigError(
        f"Unknown embedding backend {backend!r}: set SYNCRAG_EMBEDDING_BACKEND to one of "
        f"{', '.join(BACKENDS)}."
    )
