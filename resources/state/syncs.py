"""The syncs table: each user's syncs, their status and where their pull's cursor stands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from resources.state.errors import SyncOwnerError, UnknownSyncError
from resources.state.models import SyncRow, SyncStatus
from resources.state.rows import from_row
from resources.state.tables import syncs

__all__ = ["get_sync", "list_syncs", "list_users", "update_sync", "upsert_sync"]


def upsert_sync(
    conn: Connection,
    *,
    now: datetime,
    user_id: str,
    sync_id: str,
    integration: str,
    pipeline: str,
    status: SyncStatus,
    configuration_name: str | None,
    reason: str | None,
) -> None:
    """Record a sync or refresh what the API says about it; cursor and progress are kept."""
    described = {
        "integration": integration,
        "pipeline": pipeline,
        "configuration_name": configuration_name,
        "status": status.value,
        "reason": reason,
        "updated_at": now,
    }
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(syncs).values(
        sync_id=sync_id,
        user_id=user_id,
        cursor=None,
        cursor_updated_at=None,
        initial_complete=False,
        created_at=now,
        **described,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[syncs.c.sync_id],
        set_=described,
        # A sync id seen under another user is refused, never silently moved between tenants.
        where=syncs.c.user_id == statement.excluded.user_id,
    ).returning(syncs.c.sync_id)
    if conn.execute(statement).first() is None:
        raise SyncOwnerError(sync_id, user_id)


def update_sync(conn: Connection, sync_id: str, **values: Any) -> None:
    """Set columns of one sync; UnknownSyncError if it is not recorded."""
    result = conn.execute(syncs.update().where(syncs.c.sync_id == sync_id).values(**values))
    if result.rowcount != 1:
        raise UnknownSyncError(sync_id)


def get_sync(conn: Connection, sync_id: str) -> SyncRow | None:
    """One sync, or None."""
    row = conn.execute(sa.select(syncs).where(syncs.c.sync_id == sync_id)).mappings().first()
    return None if row is None else _to_sync(row)


def list_syncs(conn: Connection, user_id: str | None) -> list[SyncRow]:
    """Every sync (of one user), ordered by user then sync id."""
    query = sa.select(syncs).order_by(syncs.c.user_id, syncs.c.sync_id)
    if user_id is not None:
        query = query.where(syncs.c.user_id == user_id)
    return [_to_sync(row) for row in conn.execute(query).mappings()]


def list_users(conn: Connection) -> list[str]:
    """The users that own at least one sync, sorted."""
    query = sa.select(syncs.c.user_id).distinct().order_by(syncs.c.user_id)
    return list(conn.execute(query).scalars())


def _to_sync(row: RowMapping) -> SyncRow:
    return from_row(
        SyncRow,
        row,
        status=SyncStatus(row["status"]),
        initial_complete=bool(row["initial_complete"]),
    )
