"""Pruning the webhook inbox through StateStore: settled events past the retention go, oldest
first and a bounded number at a time; new events stay however old; ids are never reused; the
query walks an index, so its cost does not grow with the inbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from resources.state import EventStatus, StateStore
from tests.test_state_support import BACKENDS, Backend, TickingClock, open_backend

RETENTION = timedelta(hours=72)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def store(backend: Backend, clock: TickingClock) -> Iterator[StateStore]:
    with backend.open(clock=clock) as opened:
        yield opened


def deliver(store: StateStore, key: str, status: EventStatus = EventStatus.NEW) -> int:
    """Store one event; its id."""
    assert store.insert_event(
        dedup_key=key,
        user_id="u1",
        sync_id="s1",
        event_type="record_updated",
        record_id=f"r-{key}",
        payload={"event": "record_updated", "key": key},
        status=status,
    )
    return max(e.id for e in store.events_after(0, limit=100_000))


def keys(store: StateStore) -> list[str]:
    return [e.dedup_key for e in store.events_after(0, limit=100_000)]


def test_settled_events_past_the_retention_are_deleted_new_ones_never(
    store: StateStore, clock: TickingClock
) -> None:
    deliver(store, "old-new")
    deliver(store, "old-ignored", EventStatus.IGNORED)
    processed = deliver(store, "old-processed")
    rejected = deliver(store, "old-rejected")
    store.mark_events_processed([processed])
    store.mark_events_rejected([rejected], "the Sync API lists no sync for this user")
    clock.now += RETENTION + timedelta(minutes=1)
    deliver(store, "recent-ignored", EventStatus.IGNORED)
    recent = deliver(store, "recent-processed")
    store.mark_events_processed([recent])

    assert store.prune_events(RETENTION, limit=100) == 3

    assert keys(store) == ["old-new", "recent-ignored", "recent-processed"]
    assert store.prune_events(RETENTION, limit=100) == 0


def test_events_settled_within_the_retention_are_kept_whenever_they_arrived(
    store: StateStore, clock: TickingClock
) -> None:
    waiting = deliver(store, "arrived-long-ago")
    clock.now += RETENTION * 2
    store.mark_events_processed([waiting])  # settled just now: the retention starts here

    assert store.prune_events(RETENTION, limit=100) == 0
    assert keys(store) == ["arrived-long-ago"]


def test_a_prune_deletes_at_most_its_limit_oldest_settled_first(
    store: StateStore, clock: TickingClock
) -> None:
    ids = [deliver(store, f"k{n}") for n in range(5)]
    # Settled in another order than they arrived: the first settled go first.
    for event_id in reversed(ids):
        store.mark_events_processed([event_id])
    clock.now += RETENTION + timedelta(minutes=1)

    assert store.prune_events(RETENTION, limit=2) == 2
    assert keys(store) == ["k0", "k1", "k2"]
    assert store.prune_events(RETENTION, limit=2) == 2
    assert store.prune_events(RETENTION, limit=2) == 1
    assert store.count_events() == 0


def test_the_limit_must_be_positive(store: StateStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.prune_events(RETENTION, limit=0)


def test_ids_are_never_reused_after_the_last_events_are_deleted(
    store: StateStore, clock: TickingClock
) -> None:
    # A sensor cursor already past a deleted id would never read an event that reused it.
    last = max(deliver(store, f"k{n}", EventStatus.IGNORED) for n in range(3))
    clock.now += RETENTION + timedelta(minutes=1)
    assert store.prune_events(RETENTION, limit=100) == 3

    assert deliver(store, "after") > last


def test_an_inbox_at_schema_4_gains_the_index_and_keeps_its_rows(
    backend: Backend, clock: TickingClock
) -> None:
    with backend.store(clock=clock) as store:
        assert store.migrate(target=4) == [1, 2, 3, 4]
        deliver(store, "shipped", EventStatus.IGNORED)

        assert store.migrate() == [5]

        indexes = sa.inspect(store.engine).get_indexes("inbox", schema=backend.schema)
        assert {"name": "ix_inbox_processed_at", "columns": ["processed_at"]} in [
            {"name": i["name"], "columns": i["column_names"]} for i in indexes
        ]
        clock.now += RETENTION + timedelta(minutes=1)
        assert store.prune_events(RETENTION, limit=10) == 1


def test_the_prune_reads_settled_events_through_the_processed_at_index(
    store: StateStore, clock: TickingClock
) -> None:
    for n in range(20):
        deliver(store, f"new-{n}")
        deliver(store, f"ignored-{n}", EventStatus.IGNORED)
    clock.now += RETENTION + timedelta(minutes=1)
    statements: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "processed_at" in statement:
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        assert store.prune_events(RETENTION, limit=5) == 5
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)

    [(statement, parameters)] = statements
    assert "ix_inbox_processed_at" in _plan(store, statement, parameters)


def _plan(store: StateStore, statement: str, parameters: Any) -> str:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plan = "\n".join(str(row[-1]) for row in rows)
            # The index is searched, not the table scanned.
            assert "SCAN inbox\n" not in plan + "\n", plan
            return plan
        # A 40-row table is cheaper to scan; the question here is whether the index serves.
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return "\n".join(str(row[0]) for row in rows)
