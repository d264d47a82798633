"""Choosing a store from settings, and keeping the api key out of reprs and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import resources.vectors as vectors
from resources.vectors import (
    EdgeVectorStore,
    QdrantServerVectorStore,
    VectorStoreError,
    vector_store_from_settings,
)

SECRET = "qdrant-secret-key-123"


def test_every_public_name_is_exported() -> None:
    for name in vectors.__all__:
        assert getattr(vectors, name) is not None


@pytest.mark.parametrize("url", [None, "", "  "])
def test_no_url_means_an_edge_store_under_the_edge_path(tmp_path: Path, url: str | None) -> None:
    store = vector_store_from_settings(url, None, tmp_path, "all-MiniLM-L6-v2", 384)
    assert isinstance(store, EdgeVectorStore)
    assert store.shard_path == tmp_path / "syncrag__all-minilm-l6-v2__384__lex1"
    assert store.dimension == 384
    assert store.lexical


def test_memory_url_means_an_in_process_qdrant(tmp_path: Path) -> None:
    store = vector_store_from_settings(":memory:", None, tmp_path, "all-MiniLM-L6-v2", 384)
    assert isinstance(store, QdrantServerVectorStore)
    with store.open() as index:
        assert index.count() == 0
    store.close()
    assert not any(tmp_path.iterdir())


def test_a_url_means_a_qdrant_server_and_the_key_stays_out_of_the_repr(tmp_path: Path) -> None:
    store = vector_store_from_settings(
        "https://user:pw@qdrant.example:6333", SECRET, tmp_path, "m", 8
    )
    assert isinstance(store, QdrantServerVectorStore)
    assert store.collection_name == "syncrag__m__8__lex1"
    assert store.lexical
    assert SECRET not in repr(store)
    assert "pw" not in repr(store)
    assert "qdrant.example:6333" in repr(store)


def test_an_unreachable_server_fails_with_a_clear_error_without_the_key() -> None:
    # Port 9 on localhost (discard) refuses connections: no live server is involved.
    store = QdrantServerVectorStore(
        "http://127.0.0.1:9",
        SECRET,
        collection_name="syncrag__m__8",
        dimension=8,
        # Its background thread would warn after the test, about the same refused connection.
        check_compatibility=False,
    )
    with (
        pytest.warns(UserWarning, match="insecure connection"),
        pytest.raises(VectorStoreError, match="server is up") as err,
        store.open(),
    ):
        pass
    assert SECRET not in str(err.value)


@pytest.mark.parametrize("kwargs", [{}, {"url": "http://localhost:6333", "location": ":memory:"}])
def test_server_store_needs_exactly_one_of_url_and_location(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="either url"):
        QdrantServerVectorStore(**kwargs, collection_name="c", dimension=4)
