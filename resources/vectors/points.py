"""Backend-neutral shaping of the points a backend reads: paged scrolls, vectors, record groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from resources.vectors.base import StoredPoint
from resources.vectors.hybrid import DENSE_VECTOR, LEXICAL_VECTOR
from resources.vectors.lexical import SparseVector

__all__ = [
    "ScrolledRecord",
    "paged_points",
    "payloads_by_record",
    "point_ids_by_record",
]


class ScrolledRecord(Protocol):
    """A point as a backend's scroll page holds it (qdrant-client's and Qdrant Edge's alike)."""

    @property
    def id(self) -> object: ...

    @property
    def vector(self) -> object: ...

    @property
    def payload(self) -> dict[str, Any] | None: ...


def paged_points(
    scroll_page: Callable[[Any], tuple[Sequence[ScrolledRecord], Any]], *, with_vectors: bool
) -> Iterator[StoredPoint]:
    """Every point of a scroll, read lazily: `scroll_page(offset)` gives one page and the next
    offset (None after the last page), starting from offset None."""
    offset = None
    while True:
        records, offset = scroll_page(offset)
        for record in records:
            yield StoredPoint(
                id=str(record.id),
                vector=_dense_vector(record.vector) if with_vectors else None,
                payload=record.payload or {},
                sparse=_sparse_vector(record.vector) if with_vectors else None,
            )
        if offset is None:
            return


def _dense_vector(vector: object) -> list[float] | None:
    """A backend record's dense vector as a list of floats; None when it has none."""
    if isinstance(vector, dict):
        vector = vector.get(DENSE_VECTOR)  # pyright: ignore[reportUnknownMemberType]
    if isinstance(vector, list):
        return [float(x) for x in vector]  # pyright: ignore[reportUnknownVariableType]
    return None


def _sparse_vector(vector: object) -> SparseVector | None:
    """A backend record's lexical vector (either backend's sparse type); None when it has none."""
    if not isinstance(vector, dict):
        return None
    found: object = vector.get(LEXICAL_VECTOR)  # pyright: ignore[reportUnknownMemberType]
    indices = getattr(found, "indices", None)
    values = getattr(found, "values", None)
    if indices is None or values is None:
        return None
    pairs = sorted(zip((int(i) for i in indices), (float(v) for v in values), strict=True))
    return SparseVector(tuple(i for i, _ in pairs), tuple(v for _, v in pairs))


def point_ids_by_record(
    record_ids: Sequence[str], points: Iterable[StoredPoint]
) -> dict[str, set[str]]:
    """Each of `record_ids` mapped to the ids of its `points` (an empty set if none)."""
    found: dict[str, set[str]] = {rid: set() for rid in record_ids}
    for point in points:
        found[point.payload["record_id"]].add(point.id)
    return found


def payloads_by_record(
    record_ids: Sequence[str], points: Iterable[StoredPoint]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each of `record_ids` mapped to {point id: payload} of its `points`."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    found.update({rid: {} for rid in record_ids})
    for point in points:
        found[point.payload["record_id"]][point.id] = point.payload
    return dict(found)
