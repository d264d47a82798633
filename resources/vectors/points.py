"""Backend-neutral shaping of the points a backend reads: dense vectors and per-record groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from resources.vectors.base import StoredPoint

__all__ = ["dense_vector", "payloads_by_record", "point_ids_by_record"]


def dense_vector(vector: object) -> list[float] | None:
    """A backend record's vector as a list of floats; None when it is not a dense vector."""
    if isinstance(vector, list):
        return [float(x) for x in vector]  # pyright: ignore[reportUnknownVariableType]
    return None


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
