"""The records ledger through StateStore: how pages land, how indexing moves records on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from resources.state import (
    LedgerRecord,
    PageOutcome,
    RecordState,
    StateStore,
    SyncOwnerError,
    UnknownSyncError,
)
from tests.test_state_support import BACKENDS, TickingClock, add_sync, change, open_backend

PENDING, INDEXED, ERRORED = RecordState.PENDING, RecordState.INDEXED, RecordState.ERRORED
DELETED, PURGED = RecordState.DELETED, RecordState.PURGED


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    with (
        open_backend(request.param, tmp_path) as backend,
        backend.open(clock=TickingClock()) as opened,
    ):
        add_sync(opened, "s1", user_id="u1")
        yield opened


def record(store: StateStore, record_id: str, sync_id: str = "s1") -> LedgerRecord:
    found = store.get_record(sync_id, record_id)
    assert found is not None, f"{record_id} is not in the ledger"
    return found


def put_in_state(store: StateStore, record_id: str, state: RecordState) -> None:
    """Bring a record (metadata hash h1) into a state the way ingest and indexing would."""
    store.apply_page(user_id="u1", sync_id="s1", changes=[change(record_id)], cursor=None)
    if state is INDEXED:
        assert store.mark_indexed(
            sync_id="s1", record_id=record_id, metadata_hash="h1", content_hash="c", chunk_count=2
        )
    elif state is ERRORED:
        assert store.mark_errored(
            sync_id="s1", record_id=record_id, metadata_hash="h1", reason="bad pdf"
        )
    elif state in (DELETED, PURGED):
        assert store.mark_deleted(sync_id="s1", record_ids=[record_id]) == 1
        if state is PURGED:
            assert store.mark_purged(sync_id="s1", record_id=record_id)
    assert record(store, record_id).state is state


# -- apply_page ----------------------------------------------------------------------------------


def test_unseen_records_arrive_pending(store: StateStore) -> None:
    outcome = store.apply_page(
        user_id="u1",
        sync_id="s1",
        changes=[change("r1"), change("r2", raw={"id": "r2", "title": "Überblick"})],
        cursor="c1",
    )
    assert outcome == PageOutcome(new=2)
    row = record(store, "r2")
    assert row.state is PENDING and row.attempts == 0
    assert (row.user_id, row.external_id, row.name) == ("u1", "ext-r2", "r2.txt")
    assert (row.mime_type, row.url) == ("text/plain", "https://example.test/r2")
    assert (row.source_updated_at, row.metadata_hash) == ("2025-07-01T09:30:00Z", "h1")
    assert row.raw == {"id": "r2", "title": "Überblick"}
    assert (row.content_hash, row.chunk_count, row.error) == (None, None, None)
    assert row.first_seen_at == row.updated_at


@pytest.mark.parametrize("state", [PENDING, INDEXED])
def test_the_same_version_again_is_unchanged_and_not_written(
    store: StateStore, state: RecordState
) -> None:
    put_in_state(store, "r1", state)
    before = record(store, "r1")
    outcome = store.apply_page(
        user_id="u1",
        sync_id="s1",
        changes=[change("r1", raw={"id": "r1", "noise": 1})],
        cursor="c2",
    )
    assert outcome == PageOutcome(unchanged=1)
    assert record(store, "r1") == before


@pytest.mark.parametrize("state", [PENDING, INDEXED, ERRORED, DELETED, PURGED])
def test_a_new_version_goes_back_to_pending(store: StateStore, state: RecordState) -> None:
    put_in_state(store, "r1", state)
    outcome = store.apply_page(
        user_id="u1", sync_id="s1", changes=[change("r1", "h2", raw={"v": 2})], cursor=None
    )
    assert outcome == PageOutcome(updated=1)
    row = record(store, "r1")
    assert (row.state, row.metadata_hash, row.raw) == (PENDING, "h2", {"v": 2})
    assert (row.attempts, row.error) == (0, None)


@pytest.mark.parametrize("state", [DELETED, PURGED])
def test_a_returning_record_with_the_same_version_is_retried(
    store: StateStore, state: RecordState
) -> None:
    put_in_state(store, "r1", state)
    outcome = store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1")], cursor=None)
    assert outcome == PageOutcome(updated=1)
    row = record(store, "r1")
    assert (row.state, row.attempts, row.error) == (PENDING, 0, None)


def test_an_errored_record_listed_again_with_the_same_version_stays_errored(
    store: StateStore,
) -> None:
    # A full reconcile lists every record: an errored one (a zip bomb) was downloaded and
    # extracted again on every reconcile.
    put_in_state(store, "r1", ERRORED)
    outcome = store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1")], cursor=None)
    assert outcome == PageOutcome(unchanged=1)
    row = record(store, "r1")
    assert (row.state, row.attempts) == (ERRORED, 1)
    assert row.error


def test_reopening_a_users_errored_records_makes_them_pending_and_nobody_elses(
    store: StateStore,
) -> None:
    put_in_state(store, "r1", ERRORED)
    put_in_state(store, "r2", INDEXED)
    add_sync(store, "s9", user_id="u9")
    store.apply_page(user_id="u9", sync_id="s9", changes=[change("x1")], cursor=None)
    store.mark_errored(sync_id="s9", record_id="x1", metadata_hash="h1", reason="too big")

    assert store.reopen_errored("u1") == 1

    assert (record(store, "r1").state, record(store, "r1").attempts) == (PENDING, 1)
    assert record(store, "r1").error is None
    assert record(store, "r2").state is INDEXED
    assert record(store, "x1", sync_id="s9").state is ERRORED
    assert store.reopen_errored("u1") == 0


@pytest.mark.parametrize("state", [PENDING, INDEXED, ERRORED])
def test_a_deletion_tombstones_a_live_record(store: StateStore, state: RecordState) -> None:
    put_in_state(store, "r1", state)
    outcome = store.apply_page(
        user_id="u1", sync_id="s1", changes=[change("r1", deleted=True)], cursor=None
    )
    assert outcome == PageOutcome(deleted=1)
    assert record(store, "r1").state is DELETED


@pytest.mark.parametrize("state", [DELETED, PURGED])
def test_a_deletion_of_a_gone_record_is_unchanged(store: StateStore, state: RecordState) -> None:
    put_in_state(store, "r1", state)
    outcome = store.apply_page(
        user_id="u1", sync_id="s1", changes=[change("r1", deleted=True)], cursor=None
    )
    assert outcome == PageOutcome(unchanged=1)
    assert record(store, "r1").state is state


def test_a_deletion_of_an_unseen_record_is_stored_purged(store: StateStore) -> None:
    outcome = store.apply_page(
        user_id="u1", sync_id="s1", changes=[change("r1", deleted=True)], cursor=None
    )
    assert outcome == PageOutcome(deleted=1)
    assert record(store, "r1").state is PURGED


def test_the_last_change_of_a_record_in_a_page_wins(store: StateStore) -> None:
    outcome = store.apply_page(
        user_id="u1",
        sync_id="s1",
        changes=[change("r1", "h1"), change("r2"), change("r1", "h3"), change("r2", deleted=True)],
        cursor=None,
    )
    assert outcome == PageOutcome(new=1, deleted=1)
    assert record(store, "r1").metadata_hash == "h3"
    assert record(store, "r2").state is PURGED


def test_the_cursor_moves_with_its_page_and_stays_without_one(store: StateStore) -> None:
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1")], cursor="c1")
    first = store.get_sync("s1")
    assert first is not None and first.cursor == "c1" and first.cursor_updated_at is not None
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r2")], cursor=None)
    second = store.get_sync("s1")
    assert second is not None
    assert (second.cursor, second.cursor_updated_at) == ("c1", first.cursor_updated_at)
    assert store.apply_page(user_id="u1", sync_id="s1", changes=[], cursor="c2") == PageOutcome()
    third = store.get_sync("s1")
    assert third is not None and third.cursor == "c2"


def test_a_page_for_an_unknown_sync_writes_nothing(store: StateStore) -> None:
    with pytest.raises(UnknownSyncError):
        store.apply_page(user_id="u1", sync_id="s9", changes=[change("r1")], cursor="c1")
    assert store.get_record("s9", "r1") is None


def test_a_page_on_behalf_of_another_user_writes_nothing(store: StateStore) -> None:
    with pytest.raises(SyncOwnerError):
        store.apply_page(user_id="u2", sync_id="s1", changes=[change("r1")], cursor="c1")
    assert store.get_record("s1", "r1") is None
    sync = store.get_sync("s1")
    assert sync is not None and sync.cursor is None


@pytest.mark.parametrize(
    "failing_statement", ["INSERT INTO records", "UPDATE records", "UPDATE syncs"]
)
def test_a_crash_mid_page_leaves_neither_rows_nor_cursor(
    store: StateStore, failing_statement: str
) -> None:
    store.apply_page(
        user_id="u1", sync_id="s1", changes=[change("old1"), change("old2")], cursor="c1"
    )
    before = store.record_ids("s1", list(RecordState)), record(store, "old1")

    def crash(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().startswith(failing_statement):
            raise RuntimeError("simulated crash")

    event.listen(store.engine, "before_cursor_execute", crash)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            store.apply_page(
                user_id="u1",
                sync_id="s1",
                # One insert, one update, one tombstone: every kind of write the page makes.
                changes=[change("new1"), change("old1", "h2"), change("old2", deleted=True)],
                cursor="c2",
            )
    finally:
        event.remove(store.engine, "before_cursor_execute", crash)
    assert (store.record_ids("s1", list(RecordState)), record(store, "old1")) == before
    assert record(store, "old2").state is PENDING
    sync = store.get_sync("s1")
    assert sync is not None and sync.cursor == "c1"


# -- indexing transitions --------------------------------------------------------------------


def test_mark_indexed_stores_what_was_indexed(store: StateStore) -> None:
    put_in_state(store, "r1", PENDING)
    assert store.mark_indexed(
        sync_id="s1", record_id="r1", metadata_hash="h1", content_hash="sha-1", chunk_count=7
    )
    row = record(store, "r1")
    assert (row.state, row.content_hash, row.chunk_count) == (INDEXED, "sha-1", 7)


def test_mark_indexed_refuses_a_version_a_newer_pull_replaced(store: StateStore) -> None:
    put_in_state(store, "r1", PENDING)
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1", "h2")], cursor=None)
    assert not store.mark_indexed(
        sync_id="s1", record_id="r1", metadata_hash="h1", content_hash="sha-1", chunk_count=7
    )
    row = record(store, "r1")
    assert (row.state, row.metadata_hash, row.content_hash) == (PENDING, "h2", None)


@pytest.mark.parametrize("state", [INDEXED, ERRORED, DELETED, PURGED])
def test_only_pending_records_can_be_marked_indexed_or_errored(
    store: StateStore, state: RecordState
) -> None:
    put_in_state(store, "r1", state)
    before = record(store, "r1")
    assert not store.mark_indexed(
        sync_id="s1", record_id="r1", metadata_hash="h1", content_hash="x", chunk_count=1
    )
    assert not store.mark_errored(sync_id="s1", record_id="r1", metadata_hash="h1", reason="x")
    assert record(store, "r1") == before


def test_marks_of_an_unknown_record_return_false(store: StateStore) -> None:
    assert not store.mark_indexed(
        sync_id="s1", record_id="nope", metadata_hash="h1", content_hash="x", chunk_count=1
    )
    assert not store.mark_errored(sync_id="s1", record_id="nope", metadata_hash="h1", reason="x")
    assert not store.mark_purged(sync_id="s1", record_id="nope")


def test_mark_errored_keeps_the_reason_and_counts_the_attempt(store: StateStore) -> None:
    put_in_state(store, "r1", PENDING)
    assert store.mark_errored(
        sync_id="s1", record_id="r1", metadata_hash="h1", reason="cannot parse PDF: " + "x" * 5000
    )
    row = record(store, "r1")
    assert row.state is ERRORED and row.attempts == 1
    assert row.error is not None and row.error.startswith("cannot parse PDF")
    assert len(row.error) <= 2000


def test_mark_errored_refuses_a_version_a_newer_pull_replaced(store: StateStore) -> None:
    put_in_state(store, "r1", PENDING)
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1", "h2")], cursor=None)
    assert not store.mark_errored(sync_id="s1", record_id="r1", metadata_hash="h1", reason="x")
    assert record(store, "r1").state is PENDING


@pytest.mark.parametrize("state", [PENDING, INDEXED, ERRORED, PURGED])
def test_mark_purged_only_from_deleted(store: StateStore, state: RecordState) -> None:
    put_in_state(store, "r1", state)
    assert not store.mark_purged(sync_id="s1", record_id="r1")
    assert record(store, "r1").state is state


def test_mark_deleted_counts_only_live_rows(store: StateStore) -> None:
    for record_id, state in [("a", PENDING), ("b", INDEXED), ("c", ERRORED), ("d", DELETED)]:
        put_in_state(store, record_id, state)
    put_in_state(store, "e", PURGED)
    ids = ["a", "b", "c", "d", "e", "never-seen", "a"]
    assert store.mark_deleted(sync_id="s1", record_ids=ids) == 3
    assert store.record_ids("s1", [DELETED]) == {"a", "b", "c", "d"}
    assert store.record_ids("s1", [PURGED]) == {"e"}
    assert store.get_record("s1", "never-seen") is None
    assert store.mark_deleted(sync_id="s1", record_ids=[]) == 0


def test_mark_deleted_of_an_unknown_sync_raises(store: StateStore) -> None:
    with pytest.raises(UnknownSyncError):
        store.mark_deleted(sync_id="s9", record_ids=["r1"])


# -- queries ---------------------------------------------------------------------------------


def test_records_in_state_walks_a_users_records_in_bounded_batches(store: StateStore) -> None:
    add_sync(store, "s0", user_id="u1")
    add_sync(store, "s2", user_id="u2")
    for sync_id, user_id in [("s0", "u1"), ("s1", "u1"), ("s2", "u2")]:
        store.apply_page(
            user_id=user_id,
            sync_id=sync_id,
            changes=[change(f"r{i:02d}") for i in range(12)],
            cursor=None,
        )
    store.mark_deleted(sync_id="s1", record_ids=["r03", "r04"])
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r05", deleted=True)], cursor=None)

    seen: list[tuple[str, str]] = []
    after: tuple[str, str] | None = None
    while batch := store.records_in_state("u1", [PENDING], limit=5, after=after):
        assert len(batch) <= 5
        seen.extend(row.key for row in batch)
        after = batch[-1].key
    expected = [("s0", f"r{i:02d}") for i in range(12)] + [
        ("s1", f"r{i:02d}") for i in range(12) if i not in (3, 4, 5)
    ]
    assert seen == expected
    gone = store.records_in_state("u1", [DELETED, PURGED], limit=10)
    assert [row.key for row in gone] == [("s1", "r03"), ("s1", "r04"), ("s1", "r05")]
    assert store.records_in_state("u3", [PENDING], limit=10) == []


def test_record_pages_visits_every_record_once_while_the_caller_moves_them_on(
    store: StateStore,
) -> None:
    # The indexer marks each page indexed before it reads the next: nothing may be skipped.
    add_sync(store, "s0", user_id="u1")
    store.apply_page(
        user_id="u1", sync_id="s0", changes=[change(f"r{i:02d}") for i in range(12)], cursor=None
    )

    pages = []
    for page in store.record_pages("u1", [PENDING], page_size=5):
        pages.append([row.record_id for row in page])
        for row in page:
            store.mark_indexed(
                sync_id=row.sync_id,
                record_id=row.record_id,
                metadata_hash=row.metadata_hash,
                content_hash="c",
                chunk_count=1,
            )

    assert [len(page) for page in pages] == [5, 5, 2]
    assert [record for page in pages for record in page] == [f"r{i:02d}" for i in range(12)]
    assert list(store.record_pages("u1", [PENDING])) == []


def test_records_in_state_needs_a_positive_limit(store: StateStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.records_in_state("u1", [PENDING], limit=0)


def test_record_ids_filters_by_state(store: StateStore) -> None:
    put_in_state(store, "a", PENDING)
    put_in_state(store, "b", INDEXED)
    put_in_state(store, "c", DELETED)
    assert store.record_ids("s1", [PENDING, INDEXED]) == {"a", "b"}
    assert store.record_ids("s1", []) == set()
    assert store.record_ids("s9", list(RecordState)) == set()


def test_counts_by_state_covers_every_sync_and_state(store: StateStore) -> None:
    add_sync(store, "s2", user_id="u1")
    add_sync(store, "s3", user_id="u2")
    put_in_state(store, "a", PENDING)
    put_in_state(store, "b", INDEXED)
    put_in_state(store, "c", INDEXED)
    store.apply_page(user_id="u2", sync_id="s3", changes=[change("x")], cursor=None)
    zero = {state.value: 0 for state in RecordState}
    assert store.counts_by_state("u1") == {
        "s1": zero | {"pending": 1, "indexed": 2},
        "s2": zero,
    }
    assert store.counts_by_state()["s3"] == zero | {"pending": 1}
    assert store.counts_by_state("nobody") == {}


def test_errored_records_lists_the_latest_failures_first(store: StateStore) -> None:
    for record_id in ["a", "b", "c"]:
        put_in_state(store, record_id, ERRORED)
    put_in_state(store, "d", INDEXED)
    assert [row.record_id for row in store.errored_records("u1")] == ["c", "b", "a"]
    assert [row.record_id for row in store.errored_records("u1", limit=2)] == ["c", "b"]
    assert store.errored_records("u2") == []
