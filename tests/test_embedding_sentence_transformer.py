"""SentenceTransformerEmbedder with the real packaged all-MiniLM-L6-v2 (slow: loads torch)."""

from __future__ import annotations

import math

import pytest

from resources.embedding import (
    EmbeddingInputTooLongError,
    EmbeddingModelError,
    SentenceTransformerEmbedder,
    TokenCounter,
)
from resources.text import MarkdownChunker


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.mark.slow
def test_packaged_model_embeds_offline_within_its_limits() -> None:
    embedder = SentenceTransformerEmbedder(batch_size=4)

    assert embedder.model_name == "all-MiniLM-L6-v2"
    assert embedder.dimension == 384
    assert embedder.max_tokens == 256
    packaged = TokenCounter.packaged()
    for text in ["", "hello world", "word " * 300, "\u4e2d\u6587 https://example.com/a?b=c"]:
        assert embedder.count_tokens(text) == packaged(text)

    cat, kitten, invoice = embedder.embed(
        [
            "A cat is sleeping on the sofa.",
            "A kitten naps on the couch.",
            "The invoice must be paid by the end of the month.",
        ]
    )

    for vector in (cat, kitten, invoice):
        assert len(vector) == 384
        assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-5)
    assert cosine(cat, kitten) > cosine(cat, invoice) + 0.2

    chunks = MarkdownChunker(embedder.count_tokens, embedder.max_tokens).split("word " * 2000)
    assert len(embedder.embed([chunk.text for chunk in chunks])) == len(chunks)
    with pytest.raises(EmbeddingInputTooLongError):
        embedder.embed(["word " * 300])
    with pytest.raises(EmbeddingModelError, match="SYNCRAG_EMBEDDING_MODEL"):
        _ = SentenceTransformerEmbedder("/nonexistent/embedding-model").dimension
