"""The vector store: one small interface over Qdrant Edge (embedded) and a Qdrant server.

Every read, write and delete is scoped to one user through the payload field `user_id`. Points
carry a dense embedding and a lexical (BM25) vector; searches use either or both, fused.
"""

from typing import TYPE_CHECKING, Any

from resources.vectors.base import SearchHit, StoredPoint, VectorIndex, VectorStore
from resources.vectors.edge import EdgeVectorIndex, EdgeVectorStore
from resources.vectors.errors import VectorStoreBusy, VectorStoreError
from resources.vectors.factory import vector_store_from_settings
from resources.vectors.hybrid import DENSE_WEIGHT, LEXICAL_WEIGHT, RRF_K, prefetch_limit
from resources.vectors.lexical import (
    LEXICAL_SCHEME,
    SparseVector,
    document_vector,
    lexical_terms,
    query_vector,
)
from resources.vectors.naming import POINT_ID_NAMESPACE, collection_name_for, point_id_for
from resources.vectors.validation import READERS_FIELD

if TYPE_CHECKING:
    from resources.vectors.qdrant_server import QdrantServerVectorIndex, QdrantServerVectorStore

__all__ = [
    "DENSE_WEIGHT",
    "LEXICAL_SCHEME",
    "LEXICAL_WEIGHT",
    "POINT_ID_NAMESPACE",
    "READERS_FIELD",
    "RRF_K",
    "EdgeVectorIndex",
    "EdgeVectorStore",
    "QdrantServerVectorIndex",
    "QdrantServerVectorStore",
    "SearchHit",
    "SparseVector",
    "StoredPoint",
    "VectorIndex",
    "VectorStore",
    "VectorStoreBusy",
    "VectorStoreError",
    "collection_name_for",
    "document_vector",
    "lexical_terms",
    "point_id_for",
    "prefetch_limit",
    "query_vector",
    "vector_store_from_settings",
]


def __getattr__(name: str) -> Any:
    # The qdrant-client backend is imported on first use: it costs about a second at start-up,
    # which every run and CLI call on the embedded default would otherwise pay.
    if name in ("QdrantServerVectorIndex", "QdrantServerVectorStore"):
        from resources.vectors import qdrant_server

        return getattr(qdrant_server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
