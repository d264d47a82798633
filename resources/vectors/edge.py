"""The embedded vector store: Qdrant Edge, the Qdrant engine in-process over a directory on disk.

A shard admits one process at a time. Its opener takes the shard's lock file first
(`edge_lock.ShardLock`, held from before Edge loads the shard until after it has flushed and
closed it) and a second opener, in this process or another, waits for it with backoff instead of
failing at once. Edge's own write-ahead-log lock is not enough: it is taken after the segments
are loaded and released before they are all written back, and an opener racing in that window
corrupted segments ("Failed to decompress LZ4 value"; `python -m bench.edge_race`).

Loading a shard, then flushing and closing it, costs tens of milliseconds: more than the reads
and writes of a user with one changed file. A store made with `hold_open=True` (what a run uses)
keeps its shard open between `open()` blocks while no other process asks for it, and hands it
on, flushed and closed, as soon as one does and the shard is idle.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from resources.vectors.edge_lock import FIRST_RETRY_DELAY, MAX_RETRY_DELAY, ShardLock
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
# How often a store holding its shard idle looks for another process asking for it.
_HAND_ON_POLL_S = 0.02
# How long a store that handed its shard on waits for the waiter to take it.
_YIELD_S = 0.5


class _ShardLocked(Exception):
    """Another handle holds the shard's WAL lock (Edge reports "Can't init WAL: WouldBlock")."""


class EdgeVectorStore(VectorStore):
    """A collection kept as one Qdrant Edge shard directory under `path`.

    With `lexical` (the default) every point also carries a lexical vector, searched with the
    IDF modifier; without, the shard holds dense vectors only, as before lexical vectors existed.

    With `hold_open`, the shard stays open after an `open()` block until another process asks for
    it (then it is handed on once idle and held at least `min_hold_s`, so that a hand-off's cost
    is shared by several uses) or until `close()`. Without, every block opens and closes it.
    """

    def __init__(
        self,
        path: Path,
        collection_name: str,
        dimension: int,
        *,
        lexical: bool = True,
        lock_timeout: float = 30.0,
        hold_open: bool = False,
        min_hold_s: float = 1.0,
    ) -> None:
        if dimension <= 0:
            raise ValueError(f"Embedding dimension must be positive, got {dimension}.")
        self.path = Path(path)
        self.collection_name = collection_name
        self.dimension = dimension
        self.lexical = lexical
        self.lock_timeout = lock_timeout
        self.hold_open = hold_open
        self.min_hold_s = min_hold_s
        self._lock = ShardLock(self.lock_path, self.waiting_path, self.shard_path)
        # Serializes this process's uses of the shard (and the hand-on watchdog's).
        self._mutex = threading.Lock()
        self._shard: EdgeShard | None = None
        self._held_since = 0.0
        # After handing the shard on, this store lets the waiter take it before asking again.
        self._yield_until = 0.0
        self._watchdog: threading.Thread | None = None
        self.shard_opens = 0  # how many times this store loaded the shard (for tests and benches)

    def __repr__(self) -> str:
        return (
            f"EdgeVectorStore(path={str(self.path)!r}, collection_name={self.collection_name!r}, "
            f"dimension={self.dimension}, lexical={self.lexical}, hold_open={self.hold_open})"
        )

    @property
    def shard_path(self) -> Path:
        """The shard directory holding this collection."""
        return self.path / self.collection_name

    @property
    def lock_path(self) -> Path:
        """The file whose exclusive lock guards every open of the shard, readers included."""
        return self.path / f"{self.collection_name}.lock"

    @property
    def waiting_path(self) -> Path:
        """The file a process waiting for the shard holds a shared lock on."""
        return self.path / f"{self.collection_name}.waiting"

    @contextmanager
    def open(self) -> Iterator[EdgeVectorIndex]:
        """Open (or create) the shard, waiting up to `lock_timeout` s for another holder."""
        if not self._mutex.acquire(timeout=self.lock_timeout):
            raise VectorStoreBusy(
                f"The vector store at {self.shard_path} stayed in use by this process for "
                f"{self.lock_timeout:g} s."
            )
        try:
            shard = self._shard if self._shard is not None else self._take_shard()
            try:
                yield EdgeVectorIndex(shard, self.dimension, lexical=self.lexical)
            except BaseException:
                self._hand_on()  # an interrupted batch leaves nothing half-held
                raise
            if not self.hold_open:
                self._hand_on()
            elif self._watchdog is None or not self._watchdog.is_alive():
                self._watchdog = threading.Thread(
                    target=self._watch_for_waiters, name="syncrag-edge-hand-on", daemon=True
                )
                self._watchdog.start()
        finally:
            self._mutex.release()

    def close(self) -> None:
        """Flush, close and unlock a shard held between uses; the store may be opened again."""
        with self._mutex:
            self._hand_on()

    def _take_shard(self) -> EdgeShard:
        deadline = time.monotonic() + self.lock_timeout
        while time.monotonic() < self._yield_until and self._lock.others_waiting():
            time.sleep(_HAND_ON_POLL_S)  # the process it was handed to has not taken it yet
        self._lock.acquire(max(0.0, deadline - time.monotonic()))
        try:
            shard = self._load_with_retry(deadline)
        except BaseException:
            self._lock.release()
            raise
        self._shard, self._held_since = shard, time.monotonic()
        self.shard_opens += 1
        return shard

    def _hand_on(self) -> None:
        """Write the shard back, close it and release the lock (called under the mutex)."""
        shard, self._shard = self._shard, None
        if shard is None:
            return
        try:
            try:
                shard.flush()
            finally:
                shard.close()
        finally:
            self._lock.release()  # after the shard is written back and closed

    def _watch_for_waiters(self) -> None:
        """Hands the shard on when another process waits for it and this one is not using it."""
        while True:
            time.sleep(_HAND_ON_POLL_S)
            if not self._mutex.acquire(blocking=False):
                continue  # in use: looked at again after the block
            try:
                if self._shard is None:
                    self._watchdog = None
                    return
                held_for = time.monotonic() - self._held_since
                if held_for >= self.min_hold_s and self._lock.others_waiting():
                    logger.debug("handing %s on to a waiting process", self.shard_path)
                    self._hand_on()
                    self._yield_until = time.monotonic() + _YIELD_S
                    self._watchdog = None
                    return
            except Exception:
                # Unable to tell whether anyone waits: let the shard go rather than keep it
                # from a waiter; the next use takes it again with a new watchdog.
                logger.warning("handing %s on after an error", self.shard_path, exc_info=True)
                self._watchdog = None
                try:
                    self._hand_on()
                except Exception:
                    logger.warning("could not write %s back", self.shard_path, exc_info=True)
                return
            finally:
                self._mutex.release()

    def _load_with_retry(self, deadline: float) -> EdgeShard:
        """Loads the shard, retried with backoff while Edge's own WAL lock is taken."""
        delay = FIRST_RETRY_DELAY
        while True:
            try:
                return self._load_or_create()
            except _ShardLocked:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise VectorStoreBusy(
                        f"The vector store at {self.shard_path} stayed locked by another process "
                        f"for {self.lock_timeout:g} s; wait for the running job to finish and "
                        "try again."
                    ) from None
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, MAX_RETRY_DELAY)

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
