"""Chooses the vector store from settings: a Qdrant server, qdrant-client in memory, or Edge."""

from __future__ import annotations

from pathlib import Path

from resources.vectors.base import VectorStore
from resources.vectors.edge import EdgeVectorStore
from resources.vectors.naming import collection_name_for

__all__ = ["vector_store_from_settings"]

IN_MEMORY = ":memory:"


def vector_store_from_settings(
    qdrant_url: str | None,
    qdrant_api_key: str | None,
    edge_path: Path,
    model_name: str,
    dimension: int,
    *,
    hold_open: bool = False,
    lock_timeout: float = 30.0,
) -> VectorStore:
    """A Qdrant server store if `qdrant_url` is set (":memory:" for in-process), else Edge.

    `hold_open` keeps an Edge shard open between uses until another process asks for it (see
    `EdgeVectorStore`): for a run's store, closed at the run's end; a server store ignores it,
    and `lock_timeout` (how long an Edge opener waits for another process to let go).

    The collection is named after the embedding model and the lexical scheme, so that changing
    either starts a new collection instead of mixing two models' or schemes' vectors.
    """
    name = collection_name_for(model_name, dimension)
    url = (qdrant_url or "").strip()
    if not url:
        return EdgeVectorStore(
            Path(edge_path), name, dimension, hold_open=hold_open, lock_timeout=lock_timeout
        )
    # qdrant-client takes about a second to import: only the server path pays for it.
    from resources.vectors.qdrant_server import QdrantServerVectorStore

    if url == IN_MEMORY:
        return QdrantServerVectorStore(
            location=IN_MEMORY, collection_name=name, dimension=dimension
        )
    return QdrantServerVectorStore(
        url=url, api_key=qdrant_api_key or None, collection_name=name, dimension=dimension
    )
