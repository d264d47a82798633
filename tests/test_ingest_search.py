"""The query path in each mode: dense runs the model only, sparse never does, hybrid fuses both;
all of them stay within the user and honour a reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.search import DEFAULT_MODE, SearchMode, query_vectors, search_user
from resources.embedding import FakeEmbedder
from resources.vectors import (
    EdgeVectorStore,
    StoredPoint,
    VectorStore,
    document_vector,
    point_id_for,
)

TEXTS = {
    "r1": "Ticket OPS-106: the proofer door seal is torn.",
    "r2": "Ticket OPS-103: the deck oven heats slowly; Tom Ellery checked the element.",
    "r3": "Spring menu prices rise by four percent.",
}


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder(dimension=16)


@pytest.fixture
def store(tmp_path: Path, embedder: FakeEmbedder) -> Iterator[VectorStore]:
    made = EdgeVectorStore(tmp_path, "syncrag__fake__16__lex1", embedder.dimension)
    for user in ("alice", "bob"):
        points = [
            StoredPoint(
                point_id_for(user, "s", record, text, 0),
                embedder.embed([text])[0],
                {"user_id": user, "record_id": record, "text": text},
                sparse=document_vector(text),
            )
            for record, text in TEXTS.items()
        ]
        with made.open() as index:
            index.upsert(user, points)
    yield made


def test_hybrid_is_the_default() -> None:
    assert DEFAULT_MODE is SearchMode.HYBRID


def test_a_sparse_search_never_runs_the_model(embedder: FakeEmbedder, store: VectorStore) -> None:
    embedder.calls = 0
    hits = search_user(embedder, store, "alice", "OPS-106", limit=2, mode=SearchMode.SPARSE)
    assert embedder.calls == 0
    assert hits[0].payload["record_id"] == "r1"
    assert all(h.payload["user_id"] == "alice" for h in hits)


@pytest.mark.parametrize("mode", list(SearchMode))
def test_every_mode_finds_an_identifier_within_the_user(
    embedder: FakeEmbedder, store: VectorStore, mode: SearchMode
) -> None:
    hits = search_user(embedder, store, "bob", "Tom Ellery", limit=3, mode=mode)
    assert "r2" in {h.payload["record_id"] for h in hits}
    assert {h.payload["user_id"] for h in hits} == {"bob"}


@pytest.mark.parametrize(
    ("mode", "dense", "sparse"),
    [
        (SearchMode.DENSE, True, False),
        (SearchMode.SPARSE, False, True),
        (SearchMode.HYBRID, True, True),
    ],
)
def test_each_mode_makes_the_vectors_it_searches_with(
    embedder: FakeEmbedder, mode: SearchMode, dense: bool, sparse: bool
) -> None:
    made_dense, made_sparse = query_vectors(embedder, "deck oven", mode)
    assert (made_dense is not None, made_sparse is not None) == (dense, sparse)
