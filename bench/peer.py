"""The peer a user would pick instead: LangChain's indexing API over a Qdrant vector store.

`langchain_core.indexing.index` with `cleanup="full"` (the mode LangChain's docs give for a
whole corpus fed on every pass) or `cleanup="incremental"` (the common mistake when the whole
corpus is fed: it re-embeds chunks of documents that straddle a batch and never deletes a
document that is no longer fed), one record manager namespace per user, a
`langchain_qdrant.QdrantVectorStore` on qdrant-client's in-memory mode, the same model (through
a small `Embeddings` adapter) and the same chunks (syncrag's `MarkdownChunker`).
`SQLRecordManager` lives in langchain-community, which is not installed, so the record manager
is langchain-core's `InMemoryRecordManager` (same protocol; bookkeeping in a dict, not SQLite).
The types every peer shares (`PeerDocument`, `PeerRun`, `Peer`) live here too.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal, Protocol

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.indexing import InMemoryRecordManager, index
from langchain_qdrant import QdrantVectorStore
from qdrant_client import QdrantClient
from qdrant_client.models import (
    Distance,
    FieldCondition,
    Filter,
    MatchAny,
    MatchValue,
    VectorParams,
)

from resources.text import MarkdownChunker

Encode = Callable[[list[str]], list[list[float]]]
RECORD_MANAGER = "InMemoryRecordManager (langchain-community's SQLRecordManager is not installed)"


@dataclass(frozen=True)
class PeerDocument:
    """One document as handed to the peer: its id (source), file name and extracted Markdown."""

    source: str
    name: str
    markdown: str


@dataclass
class PeerRun:
    """One `index()` pass of a peer over every user's documents."""

    name: str
    batch_size: int
    seconds: float
    embeddings: int
    added: int
    updated: int
    deleted: int
    skipped: int
    deleted_points_left: int | None = None
    split_seconds: float = 0.0  # of `seconds`: chunking with syncrag's MarkdownChunker
    key: str = ""  # which peer: see `Peer.key`
    settings: str = ""  # the settings it ran with, as the report labels it
    cpu_seconds: float | None = None  # this process's CPU seconds during the pass
    # True when its embeddings came from vectors syncrag had already computed (the 10x corpus's
    # initial ingest, which is set-up there, not a measurement): its time is not the model's.
    cached_vectors: bool = False


class Peer(Protocol):
    """What the scenarios need of a peer: index everything fed, count what is left, close."""

    key: str
    settings: str

    def index(self, documents: Mapping[str, Sequence[PeerDocument]]) -> PeerRun: ...

    def points_of(self, sources: Mapping[str, set[str]]) -> int: ...

    def close(self) -> None: ...


Cleanup = Literal["full", "incremental"]


class CountingEmbeddings(Embeddings):
    """A LangChain `Embeddings` over an encode function; counts the documents it embeds."""

    def __init__(self, encode: Encode) -> None:
        self._encode = encode
        self.documents_embedded = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents_embedded += len(texts)
        return self._encode(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]


class LangChainPeer:
    """One peer configuration (cleanup mode, batch size) with its own collection and managers."""

    def __init__(
        self,
        *,
        encode: Encode,
        chunker: MarkdownChunker,
        dimension: int,
        batch_size: int = 100,
        cleanup: Cleanup = "full",
        name: str | None = None,
    ) -> None:
        self.key = f"langchain-{cleanup}"
        self.settings = f'LangChain index(), cleanup="{cleanup}", batch_size={batch_size}' + (
            " (the common mistake: the whole corpus fed each pass)" if cleanup != "full" else ""
        )
        self.name = name or f"langchain {cleanup} (batch_size={batch_size})"
        self.batch_size = batch_size
        self.cleanup: Cleanup = cleanup
        self._chunker = chunker
        self._embeddings = CountingEmbeddings(encode)
        self._client = QdrantClient(location=":memory:")
        self._collection = "peer"
        self._client.create_collection(
            self._collection, vectors_config=VectorParams(size=dimension, distance=Distance.COSINE)
        )
        self._store = QdrantVectorStore(self._client, self._collection, self._embeddings)
        self._managers: dict[str, InMemoryRecordManager] = {}

    def close(self) -> None:
        self._client.close()

    def index(self, documents: Mapping[str, Sequence[PeerDocument]]) -> PeerRun:
        """Indexes each user's documents as a LangChain user would: split, then `index()`."""
        before = self._embeddings.documents_embedded
        totals = {"num_added": 0, "num_updated": 0, "num_deleted": 0, "num_skipped": 0}
        split_seconds = 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        for user, docs in sorted(documents.items()):
            split_started = time.perf_counter()
            chunks = self._split(user, docs)
            split_seconds += time.perf_counter() - split_started
            with warnings.catch_warnings():
                # The peer runs with its defaults, SHA-1 document keys included; the warning
                # about that default is noise here (and an error under pytest's settings).
                warnings.filterwarnings("ignore", message="Using SHA-1", category=UserWarning)
                result = index(
                    chunks,
                    self._manager(user),
                    self._store,
                    batch_size=self.batch_size,
                    cleanup=self.cleanup,
                    source_id_key="source",
                )
            for key in totals:
                totals[key] += int(result[key])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        return PeerRun(
            name=self.name,
            batch_size=self.batch_size,
            seconds=seconds,
            embeddings=self._embeddings.documents_embedded - before,
            added=totals["num_added"],
            updated=totals["num_updated"],
            deleted=totals["num_deleted"],
            skipped=totals["num_skipped"],
            split_seconds=split_seconds,
            key=self.key,
            settings=self.settings,
            cpu_seconds=cpu,
        )

    def points_of(self, sources: Mapping[str, set[str]]) -> int:
        """How many points the peer's collection holds for these documents (user -> sources)."""
        left = 0
        for user, ids in sources.items():
            if not ids:
                continue
            flt = Filter(
                must=[
                    FieldCondition(key="metadata.user_id", match=MatchValue(value=user)),
                    FieldCondition(key="metadata.source", match=MatchAny(any=sorted(ids))),
                ]
            )
            left += self._client.count(self._collection, count_filter=flt, exact=True).count
        return left

    def _split(self, user: str, docs: Sequence[PeerDocument]) -> list[Document]:
        return [
            Document(page_content=chunk.text, metadata={"source": doc.source, "user_id": user})
            for doc in docs
            for chunk in self._chunker.split(doc.markdown, title=doc.name)
        ]

    def _manager(self, user: str) -> InMemoryRecordManager:
        if user not in self._managers:
            manager = InMemoryRecordManager(namespace=f"peer/{user}")
            manager.create_schema()
            self._managers[user] = manager
        return self._managers[user]


def file_name(external_id: str) -> str:
    return PurePosixPath(external_id).name
