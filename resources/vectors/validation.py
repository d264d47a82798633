"""Checks shared by every backend before a write, so that both reject the same bad input."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

from resources.vectors.base import StoredPoint
from resources.vectors.lexical import SparseVector

__all__ = [
    "READERS_FIELD",
    "canonical_point_id",
    "check_limit",
    "check_points",
    "check_reader",
    "check_sparse",
    "check_sparse_query",
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


_MAX_INDEX = 2**32 - 1


def check_sparse(sparse: SparseVector) -> SparseVector:
    """`sparse` if Qdrant can store it: distinct indices in 0..2^32-1, finite values."""
    if len(set(sparse.indices)) != len(sparse.indices):
        raise ValueError("A lexical vector's indices must be distinct.")
    if not all(isinstance(i, int) and 0 <= i <= _MAX_INDEX for i in sparse.indices):
        raise ValueError("A lexical vector's indices must be integers from 0 to 2^32 - 1.")
    if not all(math.isfinite(v) for v in sparse.values):
        raise ValueError("A lexical vector's values must be finite.")
    return sparse


def check_sparse_query(sparse: SparseVector | None, *, lexical: bool) -> SparseVector | None:
    """`sparse` if the collection can answer it (it holds lexical vectors)."""
    if sparse is None:
        return None
    if not lexical:
        raise ValueError(
            "This collection holds no lexical vectors; search it with a dense vector only."
        )
    return check_sparse(sparse)


CheckedPoint = tuple[str, list[float], SparseVector | None, dict[str, object]]


def check_points(
    user_id: str, points: Sequence[StoredPoint], dimension: int, *, lexical: bool
) -> list[CheckedPoint]:
    """Validated (id, vector, lexical vector, payload) of `points`, all owned by `user_id`.

    With `lexical`, every point must carry its lexical vector (a point without one could never
    be found by a lexical search); without, none may.
    """
    check_user_id(user_id)
    checked: list[CheckedPoint] = []
    for point in points:
        owner = point.payload.get("user_id")
        if owner != user_id:
            raise ValueError(
                f"Point {point.id} has payload user_id {owner!r} but is written for user "
                f"{user_id!r}; a user's index may only hold that user's points."
            )
        if point.vector is None:
            raise ValueError(f"Point {point.id} has no vector; upsert needs one.")
        if lexical and point.sparse is None:
            raise ValueError(
                f"Point {point.id} has no lexical vector; this collection needs one per point "
                "(make it with document_vector() from the chunk's text)."
            )
        if not lexical and point.sparse is not None:
            raise ValueError(
                f"Point {point.id} has a lexical vector but this collection holds none."
            )
        checked.append(
            (
                canonical_point_id(point.id),
                check_vector(point.vector, dimension),
                None if point.sparse is None else check_sparse(point.sparse),
                point.payload,
            )
        )
    return checked


def check_limit(limit: int) -> int:
    """`limit` if a search can return that many hits."""
    if limit < 1:
        raise ValueError(f"Search limit must be at least 1, got {limit}.")
    return limit
