"""Searches one user's points: the query path behind `syncrag query` and the tests."""

from __future__ import annotations

from resources.embedding import Embedder
from resources.vectors import SearchHit, VectorStore


def search_user(
    embedder: Embedder, store: VectorStore, user_id: str, text: str, *, limit: int = 5
) -> list[SearchHit]:
    """The user's chunks nearest to `text`; never another user's (the store filters by user_id)."""
    [vector] = embedder.embed([text])
    with store.open() as index:
        return index.search(user_id, vector, limit=limit)
