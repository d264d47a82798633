"""Reads of the records ledger: batches by state, single rows, look-ups by name, and counts."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from resources.state.models import LedgerRecord, RecordState
from resources.state.rows import from_row
from resources.state.tables import records, syncs

__all__ = [
    "counts_by_state",
    "errored_records",
    "find_records",
    "get_record",
    "record_ids",
    "records_in_state",
    "records_named_like",
    "textless_indexed_counts",
]


def records_in_state(
    conn: Connection,
    user_id: str,
    states: Sequence[RecordState],
    *,
    limit: int,
    after: tuple[str, str] | None,
) -> list[LedgerRecord]:
    """Up to limit of the user's records in states, in (sync_id, record_id) order after a key."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    query = sa.select(records).where(
        records.c.user_id == user_id, records.c.state.in_(_state_values(states))
    )
    if after is not None:
        query = query.where(sa.tuple_(records.c.sync_id, records.c.record_id) > sa.tuple_(*after))
    query = query.order_by(records.c.sync_id, records.c.record_id).limit(limit)
    return [_to_record(row) for row in conn.execute(query).mappings()]


def record_ids(conn: Connection, sync_id: str, states: Sequence[RecordState]) -> set[str]:
    """The ids of a sync's records in any of states."""
    query = sa.select(records.c.record_id).where(
        records.c.sync_id == sync_id, records.c.state.in_(_state_values(states))
    )
    return set(conn.execute(query).scalars())


def get_record(conn: Connection, sync_id: str, record_id: str) -> LedgerRecord | None:
    """One ledger row, or None."""
    row = (
        conn.execute(
            sa.select(records).where(records.c.sync_id == sync_id, records.c.record_id == record_id)
        )
        .mappings()
        .first()
    )
    return None if row is None else _to_record(row)


def counts_by_state(conn: Connection, user_id: str | None) -> dict[str, dict[str, int]]:
    """sync_id -> state -> count for every known sync (of the user), zeros included."""
    sync_query = sa.select(syncs.c.sync_id).order_by(syncs.c.sync_id)
    count_query = sa.select(records.c.sync_id, records.c.state, sa.func.count()).group_by(
        records.c.sync_id, records.c.state
    )
    if user_id is not None:
        sync_query = sync_query.where(syncs.c.user_id == user_id)
        count_query = count_query.where(records.c.user_id == user_id)
    counts = {
        sync_id: {state.value: 0 for state in RecordState}
        for sync_id in conn.execute(sync_query).scalars()
    }
    for sync_id, state, count in conn.execute(count_query):
        counts.setdefault(sync_id, {s.value: 0 for s in RecordState})[state] = int(count)
    return counts


def textless_indexed_counts(conn: Connection, user_id: str | None) -> dict[str, int]:
    """sync_id -> how many of its 'indexed' records hold no chunk (folders: nothing to read)."""
    query = (
        sa.select(records.c.sync_id, sa.func.count())
        .where(records.c.state == RecordState.INDEXED.value, records.c.chunk_count == 0)
        .group_by(records.c.sync_id)
    )
    if user_id is not None:
        query = query.where(records.c.user_id == user_id)
    return {sync_id: int(count) for sync_id, count in conn.execute(query)}


def find_records(conn: Connection, user_id: str, text: str, limit: int) -> list[LedgerRecord]:
    """The user's records whose id, external id or name is `text`; failing that, whose external
    id or name is `text` in another case. Any state; in (sync_id, record_id) order."""
    exact = sa.or_(
        records.c.record_id == text, records.c.external_id == text, records.c.name == text
    )
    folded = text.lower()
    caseless = sa.or_(
        sa.func.lower(records.c.external_id) == folded, sa.func.lower(records.c.name) == folded
    )
    for condition in (exact, caseless):
        query = (
            sa.select(records)
            .where(records.c.user_id == user_id, condition)
            .order_by(records.c.sync_id, records.c.record_id)
            .limit(limit)
        )
        found = [_to_record(row) for row in conn.execute(query).mappings()]
        if found:
            return found
    return []


def records_named_like(conn: Connection, user_id: str, text: str, limit: int) -> list[LedgerRecord]:
    """The user's records whose name or external id contains `text`, in any case."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    query = (
        sa.select(records)
        .where(
            records.c.user_id == user_id,
            sa.or_(
                sa.func.lower(records.c.name).like(pattern, escape="\\"),
                sa.func.lower(records.c.external_id).like(pattern, escape="\\"),
            ),
        )
        .order_by(records.c.name, records.c.sync_id, records.c.record_id)
        .limit(limit)
    )
    return [_to_record(row) for row in conn.execute(query).mappings()]


def errored_records(conn: Connection, user_id: str, limit: int) -> list[LedgerRecord]:
    """The user's errored records, most recently failed first."""
    query = (
        sa.select(records)
        .where(records.c.user_id == user_id, records.c.state == RecordState.ERRORED.value)
        .order_by(records.c.updated_at.desc(), records.c.sync_id, records.c.record_id)
        .limit(limit)
    )
    return [_to_record(row) for row in conn.execute(query).mappings()]


def _state_values(states: Sequence[RecordState]) -> list[str]:
    return [RecordState(state).value for state in states]


def _to_record(row: RowMapping) -> LedgerRecord:
    return from_row(LedgerRecord, row, state=RecordState(row["state"]), raw=json.loads(row["raw"]))
