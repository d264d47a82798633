"""bench/onnx_parity: the labeled query set over the sample corpus, recall@k and the report."""

from __future__ import annotations

import numpy as np
import pytest

from bench.onnx_parity import (
    INT8,
    REFERENCE,
    LabeledQuery,
    LengthSortedBatches,
    ParityCorpus,
    build_corpus,
    markdown_table,
    measure,
    recall_at_k,
    verdict,
)
from demo import normalize_space, sample_documents
from resources.embedding import Embedder, FakeEmbedder, TokenCounter


class Reversed(FakeEmbedder):
    """A stand-in for another runtime: the fake's vectors with their last 8 entries reversed."""

    @property
    def model_name(self) -> str:
        return "reversed"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return [vector[:-8] + vector[-8:][::-1] for vector in super()._encode(texts)]


@pytest.fixture(scope="module")
def corpus() -> ParityCorpus:
    return build_corpus(sample_documents(), TokenCounter.packaged())


def test_every_query_is_labeled_with_the_chunks_that_answer_it(corpus: ParityCorpus) -> None:
    facts = [q for q in corpus.queries if q.kind == "fact"]
    headings = [q for q in corpus.queries if q.kind == "heading"]

    assert len(corpus.chunks) > 400
    assert len(facts) > 300
    assert len(headings) > 250
    assert len({(q.kind, q.text.casefold()) for q in corpus.queries}) == len(corpus.queries)
    for query in facts:
        assert query.relevant
        for position in query.relevant:
            chunk = normalize_space(corpus.chunks[position]).casefold()
            assert normalize_space(query.text).casefold() in chunk
    for query in headings:
        assert query.relevant
        # Chunks carry their section's heading line.
        assert any(query.text in corpus.chunks[position] for position in query.relevant)
    assert max(corpus.tokens) <= 256


def test_recall_counts_queries_with_a_relevant_chunk_in_the_top_k() -> None:
    chunks = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    queries = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    labeled = [
        LabeledQuery("fact", "east", frozenset({0})),
        LabeledQuery("heading", "north", frozenset({0})),
    ]

    # The first query's best chunk is its answer; the second's answer is its farthest chunk.
    assert recall_at_k(queries, chunks, labeled, k=1) == 0.5
    assert recall_at_k(queries, chunks, labeled, k=2) == 0.5
    assert recall_at_k(queries, chunks, labeled, k=3) == 1.0
    assert recall_at_k(queries[:0], chunks, [], k=3) == 0.0


def test_length_sorted_batches_keep_the_inner_vectors_in_order() -> None:
    inner = FakeEmbedder()
    texts = ["word " * n for n in (30, 2, 60, 7, 7, 1)]
    wrapped = LengthSortedBatches(inner, batch_size=2, max_batch_tokens=64)

    assert wrapped.embed(texts) == inner.embed(texts)
    assert inner.calls == 5  # four batches, then the one call above
    assert (wrapped.model_name, wrapped.max_tokens) == (inner.model_name, inner.max_tokens)


def test_measure_reports_speed_parity_recall_and_the_default_verdict(
    corpus: ParityCorpus,
) -> None:
    queries = [q for q in corpus.queries if q.relevant <= frozenset(range(40))]
    small = ParityCorpus(corpus.chunks[:40], corpus.tokens[:40], queries)
    same: Embedder = FakeEmbedder()
    runtimes: dict[str, Embedder] = {
        REFERENCE: same,
        "batched": LengthSortedBatches(same, batch_size=8, max_batch_tokens=512),
        INT8: Reversed(),
    }

    results = measure(runtimes, small, rounds=2, k=5)

    assert set(results) == {REFERENCE, "batched", INT8, f"{INT8} queries, {REFERENCE} index"}
    assert results[REFERENCE]["speedup_vs_torch"] == 1.0
    assert len(results["batched"]["seconds"]) == 2
    assert results["batched"]["cosine_to_torch"]["min"] == pytest.approx(1.0)
    assert results["batched"]["recall_at_k"] == results[REFERENCE]["recall_at_k"]
    assert 0.0 < results[REFERENCE]["recall_at_k"] <= 1.0
    assert results[INT8]["cosine_to_torch"]["min"] < 0.999
    outcome = verdict(results, tolerance=0.01)
    difference = results[INT8]["recall_at_k"] - results[REFERENCE]["recall_at_k"]
    assert outcome["int8_recall_minus_torch"] == pytest.approx(difference)
    assert outcome["int8_qualifies_as_default"] is (difference >= -0.01)
    table = markdown_table(results, k=5)
    assert table.count("\n") == 1 + len(results)
    assert "recall@5" in table
