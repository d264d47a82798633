"""The embedded vector store: Qdrant Edge, the Qdrant engine in-process over a directory on disk.

A store is opened for one batch at a time: a second opener, in this process or another, waits
(with backoff) for the holder to finish instead of failing at once. The wait is on a lock file
beside the shard (`<collection>.lock`), held from before Edge loads the shard until after it has
flushed and closed it. Edge's own write-ahead-log lock is not enough: it is taken after the
segments are loaded and released before they are all written back, and an opener racing in that
window corrupted segments ("Failed to decompress LZ4 value"; `python -m bench.edge_race`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    Fusion,
    HasIdCondition,
    IdfParams,
    IsEmptyCondition,
    KeywordIndexParams,
    MatchAny,
    MatchValue,
    Modifier,
    PayloadSelector,
    Point,
    Prefetch,
    QueryRequest,
    ScrollRequest,
    SearchParams,
    UpdateOperation,
)
from qdrant_edge import Query as EdgeQuery
from qdrant_edge import SparseVector as EdgeSparseVector

from resources.vectors.base import SearchHit, StoredPoint, VectorIndex, VectorStore
from resources.vectors.errors import VectorStoreBusy, VectorStoreError
from resources.vectors.hybrid import (
    DENSE_VECTOR,
    DENSE_WEIGHT,
    LEXICAL_VECTOR,
    LEXICAL_WEIGHT,
    RRF_K,
    plan_search,
    prefetch_limit,
)
from resources.vectors.lexical import SparseVector
from resources.vectors.points import paged_points, payloads_by_record, point_ids_by_record
from resources.vectors.validation import (
    READERS_FIELD,
    canonical_point_id,
    check_limit,
    check_points,
    check_reader,
    check_user_id,
)

if TYPE_CHECKING:
    # Type aliases that exist only in qdrant_edge's stub.
    from qdrant_edge import ConditionType, WithPayloadType

__all__ = ["EdgeVectorIndex", "EdgeVectorStore"]

logger = logging.getLogger(__name__)

_PAGE = 256
_CONFIG_FILE = "edge_config.json"  # written by EdgeShard.create: its presence means "load"
_FIRST_RETRY_DELAY = 0.05
# Polling a lock file is cheap; a longer sleep would let a busy writer starve the readers.
_MAX_RETRY_DELAY = 0.1

_T = TypeVar("_T")


class _ShardLocked(Exception):
    """Another handle holds the shard's WAL lock (Edge reports "Can't init WAL: WouldBlock")."""


class EdgeVectorStore(VectorStore):
    """A collection kept as one Qdrant Edge shard directory under `path`.

    With `lexical` (the default) every point also carries a lexical vector, searched with the
    IDF modifier; without, the shard holds dense vectors only, as before lexical vectors existed.
    """

    def __init__(
        self,
        path: Path,
        collection_name: str,
        dimension: int,
        *,
        lexical: bool = True,
        lock_timeout: float = 30.0,
    ) -> None:
        if dimension <= 0:
            raise ValueError(f"Embedding dimension must be positive, got {dimension}.")
        self.path = Path(path)
        self.collection_name = collection_name
        self.dimension = dimension
        self.lexical = lexical
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return (
            f"EdgeVectorStore(path={str(self.path)!r}, collection_name={self.collection_name!r}, "
            f"dimension={self.dimension}, lexical={self.lexical})"
        )

    @property
    def shard_path(self) -> Path:
        """The shard directory holding this collection."""
        return self.path / self.collection_name

    @property
    def lock_path(self) -> Path:
        """The file whose exclusive lock guards every open of the shard, readers included."""
        return self.path / f"{self.collection_name}.lock"

    @contextmanager
    def open(self) -> Iterator[EdgeVectorIndex]:
        """Open (or create) the shard, waiting up to `lock_timeout` s for another holder."""
        deadline = time.monotonic() + self.lock_timeout
        self.path.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._wait(deadline, lambda: _try_flock(lock_fd))
            shard = self._wait(deadline, self._load_or_create)
            try:
                yield EdgeVectorIndex(shard, self.dimension, lexical=self.lexical)
            finally:
                try:
                    shard.flush()
                finally:
                    shard.close()
        finally:
            os.close(lock_fd)  # releases the lock, after the shard is written back and closed

    def _wait(self, deadline: float, attempt: Callable[[], _T]) -> _T:
        """`attempt()`, retried with backoff while it raises `_ShardLocked`, until `deadline`."""
        delay = _FIRST_RETRY_DELAY
        while True:
            try:
                return attempt()
            except _ShardLocked:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise VectorStoreBusy(
                        f"The vector store at {self.shard_path} stayed locked by another process "
                        f"for {self.lock_timeout:g} s; wait for the running job to finish and "
                        "try again."
                    ) from None
                logger.info(
                    "vector store %s is locked by another process; retrying in %.2f s",
                    self.shard_path,
                    min(delay, remaining),
                )
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, _MAX_RETRY_DELAY)

    def _load_or_create(self) -> EdgeShard:
        sparse = (
            {LEXICAL_VECTOR: EdgeSparseVectorParams(modifier=Modifier.Idf)}
            if self.lexical
            else None
        )
        config = EdgeConfig(
            vectors=EdgeVectorParams(size=self.dimension, distance=Distance.Cosine),
            sparse_vectors=sparse,
        )
        marker = self.shard_path / _CONFIG_FILE
        existed = marker.exists()
        try:
            if existed:
                # Passing the config makes Edge check it against the stored segments.
                shard = EdgeShard.load(str(self.shard_path), config)
            else:
                shard = EdgeShard.create(str(self.shard_path), config)
        except Exception as exc:
            message = str(exc)
            if "WouldBlock" in message or (not existed and marker.exists()):
                # Locked, or another process created the shard between our check and create.
                raise _ShardLocked from exc
            if "ncompatible" in message:
                kind = " plus lexical vectors" if self.lexical else " alone"
                raise VectorStoreError(
                    f"The vector store at {self.shard_path} was built for other vectors than "
                    f"{self.dimension}-dimension cosine{kind} ({message}); use the embedding "
                    "model it was built with, under the collection name syncrag gives it, or "
                    "another edge path."
                ) from exc
            raise VectorStoreError(
                f"Could not open the vector store at {self.shard_path}: {message}"
            ) from exc
        try:
            _ensure_payload_indexes(shard)
        except BaseException:
            shard.close()
            raise
        return shard


def _try_flock(fd: int) -> None:
    """Takes the exclusive lock on `fd` or raises `_ShardLocked` if another handle holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _ShardLocked from None


def _ensure_payload_indexes(shard: EdgeShard) -> None:
    # Checked on every open, not only at creation, so a crash between the two self-heals.
    existing = shard.info().payload_schema
    if "user_id" not in existing:
        shard.update(
            UpdateOperation.create_field_index("user_id", KeywordIndexParams(is_tenant=True))
        )
    for field_name in ("record_id", READERS_FIELD):
        if field_name not in existing:
            shard.update(UpdateOperation.create_field_index(field_name, KeywordIndexParams()))


class EdgeVectorIndex(VectorIndex):
    """An open Edge shard, valid until its store's `open()` block ends."""

    def __init__(self, shard: EdgeShard, dimension: int, *, lexical: bool = True) -> None:
        self._shard = shard
        self._dimension = dimension
        self._lexical = lexical

    def upsert(self, user_id: str, points: Sequence[StoredPoint]) -> None:
        checked = check_points(user_id, points, self._dimension, lexical=self._lexical)
        if not checked:
            return
        # The condition makes the write tenant-safe: an id owned by another user is not touched.
        self._shard.update(
            UpdateOperation.upsert_points(
                [
                    Point(pid, vector if sparse is None else _named(vector, sparse), payload)
                    for pid, vector, sparse, payload in checked
                ],
                condition=_user_filter(user_id),
            )
        )

    def delete_points(self, user_id: str, point_ids: Sequence[str]) -> int:
        ids: set[Any] = {canonical_point_id(pid) for pid in point_ids}
        if not ids:
            return 0
        return self._delete(_user_filter(user_id, HasIdCondition(ids)))

    def delete_record(self, user_id: str, record_id: str) -> int:
        return self._delete(
            _user_filter(user_id, FieldCondition(key="record_id", match=MatchValue(record_id)))
        )

    def point_ids_for_records(self, user_id: str, record_ids: Sequence[str]) -> dict[str, set[str]]:
        points = self._records_points(user_id, record_ids, PayloadSelector.Include(["record_id"]))
        return point_ids_by_record(record_ids, points)

    def points_for_records(
        self, user_id: str, record_ids: Sequence[str]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        return payloads_by_record(record_ids, self._records_points(user_id, record_ids, True))

    def retrieve(
        self, user_id: str, point_ids: Sequence[str], *, with_vectors: bool = True
    ) -> list[StoredPoint]:
        ids: set[Any] = {canonical_point_id(pid) for pid in point_ids}
        if not ids:
            return []
        flt = _user_filter(user_id, HasIdCondition(ids))
        return list(self._scroll(flt, with_payload=True, with_vectors=with_vectors))

    def search(
        self,
        user_id: str,
        vector: Sequence[float] | None,
        limit: int = 10,
        *,
        sparse: SparseVector | None = None,
        readable_by: str | None = None,
    ) -> list[SearchHit]:
        check_limit(limit)
        flt = _user_filter(user_id)
        if readable_by is not None:
            # `should` beside `must`: at least one of them holds, a listed reader or no list.
            flt = Filter(
                must=[*(flt.must or [])],
                should=[
                    FieldCondition(key=READERS_FIELD, match=MatchValue(check_reader(readable_by))),
                    IsEmptyCondition(READERS_FIELD),
                ],
            )
        plan = plan_search(vector, sparse, dimension=self._dimension, lexical=self._lexical)
        if plan.matches_nothing:
            return []
        dense, lexical = plan.dense, plan.lexical
        # Every stage carries the user filter: none may read past its tenant.
        if lexical is None:
            assert dense is not None
            request = QueryRequest(
                limit=limit, query=EdgeQuery.Nearest(dense), filter=flt, with_payload=True
            )
        elif dense is None:
            request = QueryRequest(
                limit=limit,
                query=self._lexical_query(lexical),
                filter=flt,
                params=self._idf_params(user_id),
                with_payload=True,
            )
        else:
            depth = prefetch_limit(limit)
            request = QueryRequest(
                limit=limit,
                prefetches=[
                    Prefetch(limit=depth, query=EdgeQuery.Nearest(dense), filter=flt),
                    Prefetch(
                        limit=depth,
                        query=self._lexical_query(lexical),
                        filter=flt,
                        params=self._idf_params(user_id),
                    ),
                ],
                # The stub types `query` as `Fusion`, not its variants; Rrf is what Edge takes.
                query=Fusion.Rrf(  # pyright: ignore[reportArgumentType]
                    k=RRF_K, weights=[DENSE_WEIGHT, LEXICAL_WEIGHT]
                ),
                filter=flt,
                with_payload=True,
            )
        hits = self._shard.query(request)
        return [SearchHit(id=str(h.id), score=h.score, payload=h.payload or {}) for h in hits]

    @staticmethod
    def _lexical_query(sparse: SparseVector) -> EdgeQuery:
        return EdgeQuery.Nearest(
            EdgeSparseVector(list(sparse.indices), list(sparse.values)), using=LEXICAL_VECTOR
        )

    @staticmethod
    def _idf_params(user_id: str) -> SearchParams:
        # Term rarity among this user's points only: other tenants' documents neither sway the
        # ranking nor can be inferred from it.
        return SearchParams(idf=IdfParams(corpus=_user_filter(user_id)))

    def scroll(
        self, user_id: str | None = None, *, with_vectors: bool = False
    ) -> Iterator[StoredPoint]:
        flt = None if user_id is None else _user_filter(user_id)
        return self._scroll(flt, with_payload=True, with_vectors=with_vectors)

    def count(self, user_id: str | None = None) -> int:
        flt = None if user_id is None else _user_filter(user_id)
        return self._shard.count(CountRequest(exact=True, filter=flt))

    def _delete(self, flt: Filter) -> int:
        # Edge's update returns nothing, so count first; the WAL lock keeps other writers out.
        matched = self._shard.count(CountRequest(exact=True, filter=flt))
        if matched:
            self._shard.update(UpdateOperation.delete_points_by_filter(flt))
        return matched

    def _records_points(
        self, user_id: str, record_ids: Sequence[str], with_payload: WithPayloadType
    ) -> Iterator[StoredPoint]:
        if not record_ids:
            return iter(())
        condition = FieldCondition(key="record_id", match=MatchAny(list(record_ids)))
        return self._scroll(
            _user_filter(user_id, condition), with_payload=with_payload, with_vectors=False
        )

    def _scroll(
        self, flt: Filter | None, *, with_payload: WithPayloadType, with_vectors: bool
    ) -> Iterator[StoredPoint]:
        return paged_points(
            lambda offset: self._shard.scroll(
                ScrollRequest(
                    offset=offset,
                    limit=_PAGE,
                    filter=flt,
                    with_payload=with_payload,
                    with_vector=with_vectors,
                )
            ),
            with_vectors=with_vectors,
        )


def _named(vector: list[float], sparse: SparseVector) -> dict[str, Any]:
    return {
        DENSE_VECTOR: vector,
        LEXICAL_VECTOR: EdgeSparseVector(list(sparse.indices), list(sparse.values)),
    }


def _user_filter(user_id: str, *conditions: ConditionType) -> Filter:
    user = FieldCondition(key="user_id", match=MatchValue(check_user_id(user_id)))
    return Filter(must=[user, *conditions])
