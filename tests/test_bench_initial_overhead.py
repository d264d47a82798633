"""The initial-overhead probe on a tiny corpus with the fake embedder: counts only, no timings."""

from __future__ import annotations

from pathlib import Path

from bench.initial_overhead import measure_once
from resources.embedding import FakeEmbedder


def test_the_replays_embed_exactly_what_the_run_embedded(tmp_path: Path) -> None:
    run = measure_once(
        tmp_path,
        syncrag_embedder=FakeEmbedder(dimension=32),
        alone=FakeEmbedder(dimension=32),
        users=1,
        docs_per_user=6,
        seed=3,
    )

    assert run.chunks > 0
    assert run.chunks == run.embedded  # the replays embed what the indexer reports embedding
    assert 1 <= run.calls <= run.chunks
    assert "chunks in" in run.line()
