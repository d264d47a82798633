"""The other peer: LlamaIndex's `IngestionPipeline` with a docstore, upserting and deleting.

`IngestionPipeline(transformations=[split, embed], docstore=..., vector_store=...,
docstore_strategy=DocstoreStrategy.UPSERTS_AND_DELETE)`: the docstore keeps each document's hash,
so an unchanged document is skipped, a changed one has all its nodes deleted and re-made, and a
document no longer fed is deleted from the docstore and the vector store. One pipeline and
docstore per user (the strategy deletes whatever its docstore holds that was not fed), one
`llama_index.vector_stores.qdrant.QdrantVectorStore` on qdrant-client's in-memory mode for all,
the same model (through a small `BaseEmbedding` adapter) and the same chunks (syncrag's
`MarkdownChunker`, as a `NodeParser`). llama-index-core's only docstore is `SimpleDocumentStore`
(a dict, persisted as JSON when asked); its SQL-backed docstores are separate packages
(llama-index-storage-docstore-postgres and the like) that need a database server, so this one
keeps its bookkeeping in memory, as the LangChain peer does.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core import Document
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
from llama_index.core.node_parser import NodeParser
from llama_index.core.node_parser.node_utils import build_nodes_from_splits
from llama_index.core.schema import BaseNode
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.vector_stores.qdrant import QdrantVectorStore
from pydantic import PrivateAttr
from qdrant_client import QdrantClient
from qdrant_client.models import FieldCondition, Filter, MatchAny

from bench.peer import Encode, PeerDocument, PeerRun
from resources.text import MarkdownChunker

COLLECTION = "peer"
METADATA_KEYS = ["source", "user_id"]  # kept on the nodes, left out of the embedded text


class CountingEmbedding(BaseEmbedding):
    """A LlamaIndex embedding over an encode function; counts the texts it embeds."""

    _encode: Encode = PrivateAttr()
    _embedded: int = PrivateAttr(default=0)

    def __init__(self, encode: Encode, batch_size: int, **kwargs: Any) -> None:
        super().__init__(model_name="bench", embed_batch_size=batch_size, **kwargs)
        self._encode = encode
        self._embedded = 0

    @property
    def documents_embedded(self) -> int:
        return self._embedded

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        self._embedded += len(texts)
        return self._encode(texts)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class MarkdownChunkerParser(NodeParser):
    """syncrag's MarkdownChunker as a LlamaIndex node parser; keeps the seconds it spends."""

    _chunker: MarkdownChunker = PrivateAttr()
    _seconds: float = PrivateAttr(default=0.0)

    def __init__(self, chunker: MarkdownChunker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._chunker = chunker
        self._seconds = 0.0

    @property
    def seconds(self) -> float:
        return self._seconds

    def _parse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        started = time.perf_counter()
        parsed: list[BaseNode] = []
        for node in nodes:
            title = str(node.metadata.get("name", ""))
            splits = [c.text for c in self._chunker.split(node.get_content(), title=title)]
            parsed += build_nodes_from_splits(splits, node, id_func=self.id_func)
        self._seconds += time.perf_counter() - started
        return parsed


class LlamaIndexPeer:
    """IngestionPipeline per user over one shared in-memory Qdrant collection."""

    key = "llamaindex"

    def __init__(
        self, *, encode: Encode, chunker: MarkdownChunker, dimension: int, batch_size: int = 32
    ) -> None:
        self.settings = (
            "LlamaIndex IngestionPipeline, SimpleDocumentStore, "
            "docstore_strategy=UPSERTS_AND_DELETE"
        )
        self.name = "llamaindex (UPSERTS_AND_DELETE)"
        self.dimension = dimension
        self._embedding = CountingEmbedding(encode, batch_size)
        self._parser = MarkdownChunkerParser(chunker, include_prev_next_rel=False)
        self._client = QdrantClient(location=":memory:")
        self._store = QdrantVectorStore(collection_name=COLLECTION, client=self._client)
        self._pipelines: dict[str, IngestionPipeline] = {}

    def close(self) -> None:
        self._client.close()

    def index(self, documents: Mapping[str, Sequence[PeerDocument]]) -> PeerRun:
        before = self._embedding.documents_embedded
        split_before = self._parser.seconds
        deleted_before = self._points()
        written = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        for user, docs in sorted(documents.items()):
            with warnings.catch_warnings():
                # qdrant-client's local mode says payload indexes do nothing there: noise here.
                warnings.filterwarnings("ignore", message="Payload indexes", category=UserWarning)
                nodes = self._pipeline(user).run(documents=[_document(user, d) for d in docs])
            written += len(nodes)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        embedded = self._embedding.documents_embedded - before
        return PeerRun(
            name=self.name,
            batch_size=self._embedding.embed_batch_size,
            seconds=seconds,
            embeddings=embedded,
            added=written,
            updated=0,
            deleted=max(0, deleted_before + written - self._points()),
            skipped=0,
            split_seconds=self._parser.seconds - split_before,
            key=self.key,
            settings=self.settings,
            cpu_seconds=cpu,
        )

    def points_of(self, sources: Mapping[str, set[str]]) -> int:
        """How many points the collection holds for these documents (user -> sources)."""
        ids = sorted(doc_id(user, s) for user, sources_ in sources.items() for s in sources_)
        if not ids or not self._client.collection_exists(COLLECTION):
            return 0
        flt = Filter(must=[FieldCondition(key="doc_id", match=MatchAny(any=ids))])
        return self._client.count(COLLECTION, count_filter=flt, exact=True).count

    def _points(self) -> int:
        if not self._client.collection_exists(COLLECTION):
            return 0
        return self._client.count(COLLECTION, exact=True).count

    def _pipeline(self, user: str) -> IngestionPipeline:
        if user not in self._pipelines:
            self._pipelines[user] = IngestionPipeline(
                transformations=[self._parser, self._embedding],
                docstore=SimpleDocumentStore(),
                vector_store=self._store,
                docstore_strategy=DocstoreStrategy.UPSERTS_AND_DELETE,
            )
        return self._pipelines[user]


def doc_id(user: str, source: str) -> str:
    """The document's id in the pipeline: per user, as two users may hold the same path."""
    return f"{user}/{source}"


def _document(user: str, document: PeerDocument) -> Document:
    return Document(
        text=document.markdown,
        id_=doc_id(user, document.source),
        metadata={"source": document.source, "user_id": user, "name": document.name},
        excluded_embed_metadata_keys=[*METADATA_KEYS, "name"],
        excluded_llm_metadata_keys=[*METADATA_KEYS, "name"],
    )
