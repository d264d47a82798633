"""The webhook inbox: durable, deduplicated deliveries that sensors read in id order."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from resources.state.models import (
    DELETION_HINT_EVENT_TYPE,
    SETTLED_EVENT_STATUSES,
    EventStatus,
    InboxEvent,
)
from resources.state.rows import from_row
from resources.state.tables import inbox

__all__ = [
    "count_events",
    "delete_settled_events",
    "events_after",
    "events_for_record",
    "insert_event",
    "mark_events_processed",
    "mark_events_rejected",
    "pending_deletion_hints",
    "settled_before",
]

# Any constant shared by every syncrag process; see insert_event.
_PG_INBOX_LOCK = 0x5359_4E43_0002
_IN_BATCH = 500
_SETTLED = sorted(status.value for status in SETTLED_EVENT_STATUSES)


def insert_event(
    conn: Connection,
    *,
    now: datetime,
    dedup_key: str,
    user_id: str,
    sync_id: str | None,
    event_type: str,
    record_id: str | None,
    payload: Mapping[str, Any],
    status: EventStatus,
) -> bool:
    """Store one delivery unless its dedup_key is already stored; whether it was stored."""
    if conn.dialect.name == "postgresql":
        # Sensors read "id > cursor". PostgreSQL hands out ids before commit, so two concurrent
        # inserts could commit out of id order and a sensor would skip the lower one forever;
        # queueing inserts makes commit order equal id order. (SQLite writers already queue.)
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_INBOX_LOCK)))
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(inbox)
        .values(
            dedup_key=dedup_key,
            user_id=user_id,
            sync_id=sync_id,
            event_type=event_type,
            record_id=record_id,
            payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            status=status.value,
            received_at=now,
            processed_at=None if status is EventStatus.NEW else now,
        )
        .on_conflict_do_nothing(index_elements=[inbox.c.dedup_key])
        .returning(inbox.c.id)
    )
    return conn.execute(statement).first() is not None


def events_after(conn: Connection, last_id: int, *, limit: int) -> list[InboxEvent]:
    """Every event with an id above last_id, whatever its status, in id order."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    query = sa.select(inbox).where(inbox.c.id > last_id).order_by(inbox.c.id).limit(limit)
    return [_to_event(row) for row in conn.execute(query).mappings()]


def events_for_record(
    conn: Connection, user_id: str, sync_id: str, record_id: str, *, limit: int
) -> list[InboxEvent]:
    """The user's latest `limit` events about one record, and about its whole sync (events
    without a record id: sync_complete, sync_errored), in id order."""
    query = (
        sa.select(inbox)
        .where(
            inbox.c.user_id == user_id,
            sa.or_(
                inbox.c.record_id == record_id,
                sa.and_(inbox.c.sync_id == sync_id, inbox.c.record_id.is_(None)),
            ),
        )
        .order_by(inbox.c.id.desc())
        .limit(limit)
    )
    return [_to_event(row) for row in reversed(conn.execute(query).mappings().all())]


def pending_deletion_hints(conn: Connection, user_id: str) -> list[InboxEvent]:
    """The user's record_deleted events still 'new', in id order."""
    query = (
        sa.select(inbox)
        .where(
            inbox.c.user_id == user_id,
            inbox.c.event_type == DELETION_HINT_EVENT_TYPE,
            inbox.c.status == EventStatus.NEW.value,
        )
        .order_by(inbox.c.id)
    )
    return [_to_event(row) for row in conn.execute(query).mappings()]


def mark_events_processed(conn: Connection, *, now: datetime, ids: Sequence[int]) -> None:
    """'new' -> 'processed' for the given ids; ignored and processed events stay as they are."""
    unique = sorted(set(ids))
    for start in range(0, len(unique), _IN_BATCH):
        conn.execute(
            inbox.update()
            .where(
                inbox.c.id.in_(unique[start : start + _IN_BATCH]),
                inbox.c.status == EventStatus.NEW.value,
            )
            .values(status=EventStatus.PROCESSED.value, processed_at=now)
        )


def mark_events_rejected(
    conn: Connection, *, now: datetime, ids: Sequence[int], reason: str
) -> int:
    """'new' -> 'rejected' with the reason, for the given ids; how many changed. Events already
    processed, ignored or rejected stay as they are."""
    unique = sorted(set(ids))
    changed = 0
    for start in range(0, len(unique), _IN_BATCH):
        result = conn.execute(
            inbox.update()
            .where(
                inbox.c.id.in_(unique[start : start + _IN_BATCH]),
                inbox.c.status == EventStatus.NEW.value,
            )
            .values(status=EventStatus.REJECTED.value, reason=reason, processed_at=now)
        )
        changed += result.rowcount
    return changed


def settled_before(conn: Connection, cutoff: datetime, *, limit: int) -> list[int]:
    """The ids of up to limit settled events that were settled before cutoff, oldest first."""
    # Only settled rows have a processed_at, so the range on ix_inbox_processed_at yields no row
    # it then has to skip: the cost is the rows returned, whatever the inbox holds.
    query = (
        sa.select(inbox.c.id)
        .where(inbox.c.processed_at < cutoff, inbox.c.status.in_(_SETTLED))
        .order_by(inbox.c.processed_at)
        .limit(limit)
    )
    return [int(row_id) for row_id in conn.execute(query).scalars()]


def delete_settled_events(conn: Connection, *, cutoff: datetime, ids: Sequence[int]) -> int:
    """Delete the given events that are settled and were settled before cutoff; how many."""
    unique = sorted(set(ids))
    deleted = 0
    for start in range(0, len(unique), _IN_BATCH):
        result = conn.execute(
            inbox.delete().where(
                inbox.c.id.in_(unique[start : start + _IN_BATCH]),
                inbox.c.processed_at < cutoff,
                inbox.c.status.in_(_SETTLED),
            )
        )
        deleted += result.rowcount
    return deleted


def count_events(conn: Connection, status: EventStatus | None) -> int:
    """How many events the inbox holds (in one status, if given)."""
    query = sa.select(sa.func.count()).select_from(inbox)
    if status is not None:
        query = query.where(inbox.c.status == status.value)
    return int(conn.execute(query).scalar_one())


def _to_event(row: RowMapping) -> InboxEvent:
    return from_row(
        InboxEvent, row, payload=json.loads(row["payload"]), status=EventStatus(row["status"])
    )
