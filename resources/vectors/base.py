"""The vector-store interface: points, search hits, a store (config) and an open index handle.

Every method of an index is scoped to one user: tenant isolation is part of the contract. A point
carries a dense vector (the embedding) and, in a store with `lexical` on, a sparse lexical vector
(`resources.vectors.lexical`); a search uses either or both (fused by reciprocal rank).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from resources.vectors.lexical import SparseVector

__all__ = ["SearchHit", "StoredPoint", "VectorIndex", "VectorStore"]


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """One chunk's point: a UUID id, its dense vector (None when not fetched), its payload and
    its lexical vector (required by a store with `lexical` on; None when not fetched)."""

    id: str
    vector: list[float] | None
    payload: dict[str, Any]
    sparse: SparseVector | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A point found by a search, with its score: the cosine similarity to the query (dense),
    the BM25 score (lexical) or the reciprocal-rank-fusion score (both)."""

    id: str
    score: float
    payload: dict[str, Any]


class VectorIndex(ABC):
    """An open handle on one collection; every read, write and delete filters by `user_id`."""

    @abstractmethod
    def upsert(self, user_id: str, points: Sequence[StoredPoint]) -> None:
        """Insert or overwrite points of `user_id`.

        Raises ValueError if a point's payload `user_id` is not `user_id`, its id is not a UUID,
        its vector is missing or of the wrong dimension, or its lexical vector is missing from
        a store with `lexical` on (or given to one without). A point id that already belongs to
        another user is left untouched.
        """

    @abstractmethod
    def delete_points(self, user_id: str, point_ids: Sequence[str]) -> int:
        """Delete those of `point_ids` that belong to `user_id`; return how many there were."""

    @abstractmethod
    def delete_record(self, user_id: str, record_id: str) -> int:
        """Delete every point of one record of `user_id`; return how many there were."""

    @abstractmethod
    def point_ids_for_records(self, user_id: str, record_ids: Sequence[str]) -> dict[str, set[str]]:
        """Map each of `record_ids` to the ids of its stored points (an empty set if none)."""

    @abstractmethod
    def points_for_records(
        self, user_id: str, record_ids: Sequence[str]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Map each of `record_ids` to {point id: payload} of its stored points."""

    @abstractmethod
    def retrieve(
        self, user_id: str, point_ids: Sequence[str], *, with_vectors: bool = True
    ) -> list[StoredPoint]:
        """The points of `user_id` among `point_ids` (missing or other users' ids are skipped)."""

    @abstractmethod
    def search(
        self,
        user_id: str,
        vector: Sequence[float] | None,
        limit: int = 10,
        *,
        sparse: SparseVector | None = None,
        readable_by: str | None = None,
    ) -> list[SearchHit]:
        """The `limit` points of `user_id` that best match the query, best first.

        `vector` alone: nearest by cosine. `sparse` alone (`vector` None): best BM25 score, with
        the IDF counted over `user_id`'s points only, so that no other tenant's documents sway
        the ranking. Both: each ranks `prefetch_limit(limit)` candidates and weighted reciprocal
        rank fusion (`RRF_K`, `DENSE_WEIGHT`, `LEXICAL_WEIGHT`) orders their union. An empty
        `sparse` (a query of stop words only) matches nothing, and a fused search then ranks by
        `vector` alone.

        With `readable_by` (a lower-case email), only points whose `readers` payload names it
        or that have no `readers` at all (unknown): the caller confirms what it returns.
        """

    @abstractmethod
    def scroll(
        self, user_id: str | None = None, *, with_vectors: bool = False
    ) -> Iterator[StoredPoint]:
        """Every point of `user_id`; None means all users (asset checks and admin only).

        The iterator reads lazily: consume it while the index is open.
        """

    @abstractmethod
    def count(self, user_id: str | None = None) -> int:
        """How many points `user_id` has; None counts all users."""


class VectorStore(ABC):
    """Where the vectors live: one collection per embedding model, opened for a batch at a time."""

    collection_name: str
    dimension: int
    # Whether points carry a lexical vector beside the dense one (the collection's name says
    # which lexical scheme: `collection_name_for`).
    lexical: bool

    @abstractmethod
    def open(self) -> AbstractContextManager[VectorIndex]:
        """Open the collection (creating it if missing) for the duration of a `with` block."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op for stores holding nothing
        """Release long-lived resources (a client connection); the store may not be used after."""
