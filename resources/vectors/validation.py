"""Checks shared by every backend before a write, so that both reject the same bad input."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

from resources.vectors.base import StoredPoint

__all__ = [
    "READERS_FIELD",
    "canonical_point_id",
    "check_limit",
    "check_points",
    "check_reader",
    "check_user_id",
    "check_vector",
]

# The payload field of permission hints: lower-case emails that may read the chunk's record.
# A point without it has unknown readers.
READERS_FIELD = "readers"


def check_user_id(user_id: str) -> str:
    """Return `user_id` if it can scope a query; an empty one would match no tenant or all."""
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("A vector-store call needs a non-empty user_id string.")
    return user_id


def check_reader(email: str) -> str:
    """`email` if it can be matched against `readers`, which holds lower-case emails."""
    if not isinstance(email, str) or not email.strip():
        raise ValueError("A permission-filtered search needs a non-empty reader email.")
    if email != email.strip().lower():
        raise ValueError(f"Reader email {email!r} must be lower-case without spaces around it.")
    return email


def canonical_point_id(point_id: str) -> str:
    """The lowercase hyphenated form of a UUID point id, as both backends return it."""
    try:
        return str(uuid.UUID(str(point_id)))
    except ValueError:
        raise ValueError(
            f"Point id {point_id!r} is not a UUID; make ids with point_id_for()."
        ) from None


def check_vector(vector: Sequence[float], dimension: int) -> list[float]:
    """`vector` as a list of floats, if it has the collection's dimension and a direction."""
    values = [float(x) for x in vector]
    if len(values) != dimension:
        raise ValueError(
            f"Vector has {len(values)} dimensions but the collection holds {dimension}; "
            "embed with the model the collection was created for."
        )
    if not all(math.isfinite(x) for x in values) or not any(values):
        # Cosine distance of a zero or non-finite vector is undefined.
        raise ValueError("Vector must be finite and not all zeros.")
    return values


def check_points(
    user_id: str, points: Sequence[StoredPoint], dimension: int
) -> list[tuple[str, list[float], dict[str, object]]]:
    """Validated (id, vector, payload) triples of `points`, all owned by `user_id`."""
    check_user_id(user_id)
    checked: list[tuple[str, list[float], dict[str, object]]] = []
    for point in points:
        owner = point.payload.get("user_id")
        if owner != user_id:
            raise ValueError(
                f"Point {point.id} has payload user_id {owner!r} but is written for user "
                f"{user_id!r}; a user's index may only hold that user's points."
            )
        if point.vector is None:
            raise ValueError(f"Point {point.id} has no vector; upsert needs one.")
        checked.append(
            (canonical_point_id(point.id), check_vector(point.vector, dimension), point.payload)
        )
    return checked


def check_limit(limit: int) -> int:
    """`limit` if a search can return that many hits."""
    if limit < 1:
        raise ValueError(f"Search limit must be at least 1, got {limit}.")
    return limit
