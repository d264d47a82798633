"""Writes to the records ledger: how pulled pages land and how indexing moves records on."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from resources.state.errors import SyncOwnerError, UnknownSyncError
from resources.state.models import PageOutcome, RecordChange, RecordState
from resources.state.tables import records, syncs

__all__ = [
    "apply_page",
    "mark_deleted",
    "mark_errored",
    "mark_indexed",
    "mark_purged",
    "reopen_errored",
]

# Keeps IN lists well under SQLite's and psycopg's bound-parameter limits.
_IN_BATCH = 500
# An extractor can fail with a whole document in its message; the ledger keeps what a person
# needs to act on.
_MAX_ERROR_CHARS = 2000
_GONE = (RecordState.DELETED, RecordState.PURGED)
# A record listed again with the version it had is pending again only if it had gone. An errored
# one stays errored until its version changes (or `reopen_errored`): a full reconcile lists every
# record, and would otherwise download and extract every zip bomb of the user again, every day.
_REOPEN = _GONE


def apply_page(
    conn: Connection,
    *,
    now: datetime,
    user_id: str,
    sync_id: str,
    changes: Sequence[RecordChange],
    cursor: str | None,
) -> PageOutcome:
    """Upsert a page's changes and move the sync's cursor, inside the caller's transaction."""
    _lock_sync(conn, user_id=user_id, sync_id=sync_id)
    latest = {change.record_id: change for change in changes}  # a page's last word wins
    existing = _existing_rows(conn, sync_id, list(latest))
    inserts: list[dict[str, Any]] = []
    reopened: list[dict[str, Any]] = []
    tombstoned: list[dict[str, Any]] = []
    new = updated = unchanged = deleted = 0
    for record_id, change in latest.items():
        row = existing.get(record_id)
        if row is None:
            state = RecordState.PURGED if change.deleted else RecordState.PENDING
            inserts.append(_insert_values(change, user_id, sync_id, state, now))
            if change.deleted:
                deleted += 1
            else:
                new += 1
        elif change.deleted:
            if row["state"] in _GONE:
                unchanged += 1
            else:
                tombstoned.append({"b_sync_id": sync_id, "b_record_id": record_id})
                deleted += 1
        elif row["metadata_hash"] != change.metadata_hash or row["state"] in _REOPEN:
            reopened.append(_reopen_values(change, sync_id, now))
            updated += 1
        else:
            unchanged += 1
    if inserts:
        conn.execute(records.insert(), inserts)
    if reopened:
        conn.execute(_keyed_update(), reopened)
    if tombstoned:
        conn.execute(
            _keyed_update().values(state=RecordState.DELETED.value, error=None, updated_at=now),
            tombstoned,
        )
    if cursor is not None:
        conn.execute(
            syncs.update()
            .where(syncs.c.sync_id == sync_id)
            .values(cursor=cursor, cursor_updated_at=now, updated_at=now)
        )
    return PageOutcome(new=new, updated=updated, unchanged=unchanged, deleted=deleted)


def mark_indexed(
    conn: Connection,
    *,
    now: datetime,
    sync_id: str,
    record_id: str,
    metadata_hash: str,
    content_hash: str,
    chunk_count: int,
) -> bool:
    """'pending' -> 'indexed', only if the row still carries metadata_hash."""
    result = conn.execute(
        _pending_version(sync_id, record_id, metadata_hash).values(
            state=RecordState.INDEXED.value,
            content_hash=content_hash,
            chunk_count=chunk_count,
            error=None,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def mark_errored(
    conn: Connection,
    *,
    now: datetime,
    sync_id: str,
    record_id: str,
    metadata_hash: str,
    reason: str,
) -> bool:
    """'pending' -> 'errored' with one more attempt, only if the row still carries metadata_hash."""
    result = conn.execute(
        _pending_version(sync_id, record_id, metadata_hash).values(
            state=RecordState.ERRORED.value,
            error=reason[:_MAX_ERROR_CHARS],
            attempts=records.c.attempts + 1,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def reopen_errored(conn: Connection, *, now: datetime, user_id: str) -> int:
    """The user's 'errored' records -> 'pending', to be tried again; how many. Their attempts
    are kept: a record that fails again counts one more."""
    result = conn.execute(
        records.update()
        .where(records.c.user_id == user_id, records.c.state == RecordState.ERRORED.value)
        .values(state=RecordState.PENDING.value, error=None, updated_at=now)
    )
    return result.rowcount


def mark_purged(conn: Connection, *, now: datetime, sync_id: str, record_id: str) -> bool:
    """'deleted' -> 'purged' once the record's points are gone."""
    result = conn.execute(
        records.update()
        .where(
            records.c.sync_id == sync_id,
            records.c.record_id == record_id,
            records.c.state == RecordState.DELETED.value,
        )
        .values(state=RecordState.PURGED.value, updated_at=now)
    )
    return result.rowcount == 1


def mark_deleted(
    conn: Connection, *, now: datetime, sync_id: str, record_ids: Sequence[str]
) -> int:
    """Tombstone confirmed deletions; the number of rows that were not already gone."""
    if not record_ids:
        return 0
    # Same lock order as apply_page (sync row, then its records), so the two cannot deadlock.
    _lock_sync(conn, user_id=None, sync_id=sync_id)
    changed = 0
    for batch in _batches(sorted(set(record_ids))):
        result = conn.execute(
            records.update()
            .where(
                records.c.sync_id == sync_id,
                records.c.record_id.in_(batch),
                records.c.state.not_in([state.value for state in _GONE]),
            )
            .values(state=RecordState.DELETED.value, error=None, updated_at=now)
        )
        changed += result.rowcount
    return changed


def _lock_sync(conn: Connection, *, user_id: str | None, sync_id: str) -> None:
    # PostgreSQL: writers of one sync queue here (SQLite's BEGIN IMMEDIATE already queued them).
    owner = conn.execute(
        sa.select(syncs.c.user_id).where(syncs.c.sync_id == sync_id).with_for_update(key_share=True)
    ).scalar()
    if owner is None:
        raise UnknownSyncError(sync_id)
    if user_id is not None and owner != user_id:
        raise SyncOwnerError(sync_id, user_id)


def _existing_rows(conn: Connection, sync_id: str, record_ids: list[str]) -> dict[str, RowMapping]:
    found: dict[str, RowMapping] = {}
    for batch in _batches(sorted(record_ids)):
        query = (
            sa.select(records.c.record_id, records.c.metadata_hash, records.c.state)
            .where(records.c.sync_id == sync_id, records.c.record_id.in_(batch))
            .order_by(records.c.record_id)
            .with_for_update(key_share=True)
        )
        for row in conn.execute(query).mappings():
            found[row["record_id"]] = row
    return found


def _insert_values(
    change: RecordChange, user_id: str, sync_id: str, state: RecordState, now: datetime
) -> dict[str, Any]:
    return {
        "sync_id": sync_id,
        "record_id": change.record_id,
        "user_id": user_id,
        **_metadata_values(change),
        "content_hash": None,
        "state": state.value,
        "error": None,
        "attempts": 0,
        "chunk_count": None,
        "first_seen_at": now,
        "updated_at": now,
    }


def _reopen_values(change: RecordChange, sync_id: str, now: datetime) -> dict[str, Any]:
    return {
        "b_sync_id": sync_id,
        "b_record_id": change.record_id,
        **_metadata_values(change),
        "state": RecordState.PENDING.value,
        "error": None,
        "attempts": 0,
        "updated_at": now,
    }


def _metadata_values(change: RecordChange) -> dict[str, Any]:
    return {
        "external_id": change.external_id,
        "name": change.name,
        "mime_type": change.mime_type,
        "url": change.url,
        "source_updated_at": change.source_updated_at,
        "metadata_hash": change.metadata_hash,
        "raw": _dump_json(change.raw),
    }


def _keyed_update() -> sa.Update:
    # Bound names differ from column names, so executemany rows can carry both key and values.
    return records.update().where(
        records.c.sync_id == sa.bindparam("b_sync_id"),
        records.c.record_id == sa.bindparam("b_record_id"),
    )


def _pending_version(sync_id: str, record_id: str, metadata_hash: str) -> sa.Update:
    return records.update().where(
        records.c.sync_id == sync_id,
        records.c.record_id == record_id,
        records.c.state == RecordState.PENDING.value,
        records.c.metadata_hash == metadata_hash,
    )


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _IN_BATCH):
        yield items[start : start + _IN_BATCH]


def _dump_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
