"""FakeEmbedder, TokenCounter and embedder_from_settings: deterministic, real token counts."""

from __future__ import annotations

import math

import pytest

import resources.embedding
from resources.embedding import (
    EmbeddingConfigError,
    EmbeddingInputTooLongError,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    TokenCounter,
    embedder_from_settings,
    load_packaged_tokenizer,
)


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_public_names_are_exported() -> None:
    for name in resources.embedding.__all__:
        assert hasattr(resources.embedding, name)


def test_token_counter_counts_special_tokens_and_never_truncates() -> None:
    count = TokenCounter.packaged()

    assert count("") == 2
    assert count("hello world") == 4
    # The shipped tokenizer.json truncates and pads to 128; counting must not.
    assert count("word " * 300) == 302
    assert count.count_many(["hello world", "word " * 300, ""]) == [4, 302, 2]


def test_token_counter_leaves_the_given_tokenizer_alone() -> None:
    tokenizer = load_packaged_tokenizer()
    tokenizer.enable_truncation(10)

    count = TokenCounter(tokenizer)

    assert count("word " * 50) == 52
    assert len(tokenizer.encode("word " * 50).ids) == 10


def test_fake_vectors_are_deterministic_unit_vectors_of_the_dimension() -> None:
    texts = ["Invoices are due in thirty days.", "", "!!!", "\u4e2d\u6587"]

    first = FakeEmbedder(dimension=32).embed(texts)
    second = FakeEmbedder(dimension=32).embed(texts)

    assert first == second
    for vector in first:
        assert len(vector) == 32
        assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-9)


def test_a_query_scores_chunks_sharing_its_words_above_unrelated_ones() -> None:
    embedder = FakeEmbedder()
    chunks = [
        "The team offsite is planned in the mountains in June.",
        "Invoice 1042 payment is overdue; send a reminder to the customer.",
        "Quarterly roadmap: ship the vector index and the webhook receiver.",
    ]
    query = "overdue invoice payment"

    query_vector, *chunk_vectors = embedder.embed([query, *chunks])
    scores = [cosine(query_vector, vector) for vector in chunk_vectors]

    assert scores.index(max(scores)) == 1
    assert scores[1] > max(scores[0], scores[2]) + 0.2


def test_fake_counts_calls_and_texts() -> None:
    embedder = FakeEmbedder()

    embedder.embed(["a", "b", "c"])
    embedder.embed(["d"])
    embedder.embed([])

    assert (embedder.calls, embedder.texts_embedded) == (2, 4)


def test_fake_reports_its_name_limit_and_real_token_counts() -> None:
    embedder = FakeEmbedder(dimension=16, max_tokens=128)

    assert embedder.model_name == "fake-hash-16"
    assert embedder.dimension == 16
    assert embedder.max_tokens == 128
    assert embedder.count_tokens("hello world") == TokenCounter.packaged()("hello world") == 4


def test_texts_longer_than_the_model_reads_are_refused_not_truncated() -> None:
    embedder = FakeEmbedder(max_tokens=16)

    with pytest.raises(EmbeddingInputTooLongError, match=r"Text 1 has 22 tokens .* at most 16"):
        embedder.embed(["short", "word " * 20])

    assert embedder.texts_embedded == 0


def test_settings_pick_the_backend() -> None:
    fake = embedder_from_settings("fake", None, "cpu", 8)
    packaged = embedder_from_settings(" Sentence-Transformers ", None, "cpu", 8)
    aliased = embedder_from_settings("sentence-transformers", "all-MiniLM-L6-v2", "cpu", 8)
    custom = embedder_from_settings("sentence-transformers", "/models/bge-small", "cuda", 8)

    assert isinstance(fake, FakeEmbedder)
    assert isinstance(packaged, SentenceTransformerEmbedder)
    assert packaged.model_name == "all-MiniLM-L6-v2"
    assert aliased.model_name == "all-MiniLM-L6-v2"
    assert custom.model_name == "/models/bge-small"


def test_the_fake_backend_takes_the_model_setting_as_its_name() -> None:
    named = embedder_from_settings("fake", "fake-b", "cpu", 8)
    unnamed = embedder_from_settings("fake", None, "cpu", 8)

    assert named.model_name == "fake-b"
    assert unnamed.model_name == "fake-hash-64"
    assert named.embed(["same text"]) == unnamed.embed(["same text"])


@pytest.mark.parametrize("backend", ["openai", "", "onnx-gpu"])
def test_unknown_backend_names_the_setting_to_fix(backend: str) -> None:
    with pytest.raises(EmbeddingConfigError, match="SYNCRAG_EMBEDDING_BACKEND"):
        embedder_from_settings(backend, None, "cpu", 32)


def test_impossible_batch_size_is_refused() -> None:
    with pytest.raises(EmbeddingConfigError, match="batch_size"):
        SentenceTransformerEmbedder(batch_size=0)
