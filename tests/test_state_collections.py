"""Each user's indexed collection in the state DB: recorded, moved with the ledger re-opened in
one transaction, and never moved twice by processes racing to move it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from resources.state import RecordState, StateStore
from tests.test_state_support import BACKENDS, Backend, TickingClock, add_sync, change, open_backend

A, B = "syncrag__model-a__384", "syncrag__model-b__384"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def store(backend: Backend) -> Iterator[StateStore]:
    with backend.open(clock=TickingClock()) as opened:
        add_sync(opened, "s1", user_id="u1")
        add_sync(opened, "s2", user_id="u2")
        yield opened


def index(store: StateStore, user: str, sync: str, record_ids: list[str]) -> None:
    store.apply_page(
        user_id=user, sync_id=sync, changes=[change(r) for r in record_ids], cursor=None
    )
    for record_id in record_ids:
        assert store.mark_indexed(
            sync_id=sync, record_id=record_id, metadata_hash="h1", content_hash="c", chunk_count=1
        )


def states(store: StateStore, user: str) -> dict[str, RecordState]:
    return {r.record_id: r.state for r in store.records_in_state(user, list(RecordState), limit=99)}


def test_a_user_has_no_collection_until_one_is_recorded(store: StateStore) -> None:
    assert store.indexed_collection("u1") is None

    assert store.move_to_collection("u1", A, expected=None, reindex=False) == 0

    assert store.indexed_collection("u1") == A
    assert store.indexed_collection("u2") is None


def test_moving_reopens_that_users_indexed_records_and_nothing_else(store: StateStore) -> None:
    index(store, "u1", "s1", ["r1", "r2", "r3"])
    index(store, "u2", "s2", ["q1"])
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r4")], cursor=None)
    assert store.mark_errored(sync_id="s1", record_id="r4", metadata_hash="h1", reason="bad")
    store.move_to_collection("u1", A, expected=None, reindex=False)

    assert store.move_to_collection("u1", B, expected=A, reindex=True) == 3

    assert store.indexed_collection("u1") == B
    assert states(store, "u1") == {
        "r1": RecordState.PENDING,
        "r2": RecordState.PENDING,
        "r3": RecordState.PENDING,
        "r4": RecordState.ERRORED,
    }
    assert states(store, "u2") == {"q1": RecordState.INDEXED}


def test_a_move_from_a_collection_no_longer_recorded_changes_nothing(store: StateStore) -> None:
    index(store, "u1", "s1", ["r1"])
    store.move_to_collection("u1", A, expected=None, reindex=False)

    # Another process moves u1 from A to B; this one, also expecting A, comes too late.
    assert store.move_to_collection("u1", B, expected=A, reindex=False) == 0
    assert store.move_to_collection("u1", B, expected=A, reindex=True) is None
    assert store.move_to_collection("u1", A, expected=None, reindex=True) is None

    assert store.indexed_collection("u1") == B
    assert states(store, "u1") == {"r1": RecordState.INDEXED}


def test_processes_racing_to_move_a_user_move_it_once(backend: Backend, store: StateStore) -> None:
    index(store, "u1", "s1", [f"r{i}" for i in range(5)])
    store.move_to_collection("u1", A, expected=None, reindex=False)
    others = [backend.open() for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(others)) as pool:
            moved = list(
                pool.map(lambda s: s.move_to_collection("u1", B, expected=A, reindex=True), others)
            )
    finally:
        for other in others:
            other.close()

    assert sorted(moved, key=lambda n: -1 if n is None else n) == [None, None, None, 5]
    assert store.indexed_collection("u1") == B


def test_a_ledger_from_before_collections_were_recorded_migrates_with_none(
    backend: Backend,
) -> None:
    with backend.store() as old:
        old.migrate(target=2)
        add_sync(old, "s1", user_id="u1")
        index(old, "u1", "s1", ["r1"])
    with backend.open() as store:
        assert store.indexed_collection("u1") is None
        assert states(store, "u1") == {"r1": RecordState.INDEXED}
