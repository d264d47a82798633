"""The indexed_collections table: per user, the vector collection its 'indexed' records are in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from resources.state.models import RecordState
from resources.state.tables import indexed_collections, records

__all__ = ["indexed_collection", "move_to_collection"]


def indexed_collection(conn: Connection, user_id: str) -> str | None:
    """The collection the user's ledger is indexed into; None if it was never recorded."""
    query = sa.select(indexed_collections.c.collection).where(
        indexed_collections.c.user_id == user_id
    )
    return conn.execute(query).scalar()


def move_to_collection(
    conn: Connection,
    *,
    now: datetime,
    user_id: str,
    collection: str,
    expected: str | None,
    reindex: bool,
) -> int | None:
    """Record `collection` for the user if the stored one is still `expected`; with `reindex`,
    the user's 'indexed' records become 'pending' in the same transaction.

    Returns how many records were re-opened, or None if the stored collection was not
    `expected` (another process moved the user first), in which case nothing changes.
    """
    if expected is None:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(indexed_collections)
            .values(user_id=user_id, collection=collection, updated_at=now)
            .on_conflict_do_nothing(index_elements=[indexed_collections.c.user_id])
            .returning(indexed_collections.c.user_id)
        )
        if conn.execute(statement).first() is None:
            return None
    else:
        # The row lock this takes holds until commit: a concurrent move of the same user waits,
        # then finds `expected` gone and changes nothing.
        result = conn.execute(
            indexed_collections.update()
            .where(
                indexed_collections.c.user_id == user_id,
                indexed_collections.c.collection == expected,
            )
            .values(collection=collection, updated_at=now)
        )
        if result.rowcount != 1:
            return None
    if not reindex:
        return 0
    reopened = conn.execute(
        records.update()
        .where(records.c.user_id == user_id, records.c.state == RecordState.INDEXED.value)
        .values(state=RecordState.PENDING.value, updated_at=now)
    )
    return reopened.rowcount
