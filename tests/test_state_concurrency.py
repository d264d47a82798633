"""Several threads and processes using one state DB at once, as webhooks and Dagster runs do."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from resources.state import RecordState, StateStore
from tests.test_state_support import BACKENDS, Backend, add_sync, change, open_backend

PAGES = 15
PAGE_SIZE = 10


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        with opened.open() as store:
            for sync_id, user_id in [("sa", "u1"), ("sb", "u2")]:
                add_sync(store, sync_id, user_id)
        yield opened


def pull(url: str, schema: str | None, user_id: str, sync_id: str) -> int:
    """What one ingest run does: apply pages one transaction at a time (module level: picklable)."""
    store = StateStore(url, schema=schema)
    try:
        for page in range(PAGES):
            changes = [change(f"r{page:02d}-{i}") for i in range(PAGE_SIZE)]
            store.apply_page(user_id=user_id, sync_id=sync_id, changes=changes, cursor=f"c{page}")
        return PAGES
    finally:
        store.close()


def assert_fully_pulled(store: StateStore, sync_id: str) -> None:
    assert len(store.record_ids(sync_id, [RecordState.PENDING])) == PAGES * PAGE_SIZE
    sync = store.get_sync(sync_id)
    assert sync is not None and sync.cursor == f"c{PAGES - 1}"


def test_concurrent_deliveries_store_each_event_exactly_once(backend: Backend) -> None:
    events, senders = 40, 4
    stores = [backend.store() for _ in range(senders)]

    def send(sender: int) -> int:
        # Every sender delivers every event: each is replayed `senders` times, concurrently.
        order = range(events) if sender % 2 == 0 else reversed(range(events))
        return sum(
            stores[sender].insert_event(
                dedup_key=f"delivery-{n}",
                user_id="u1",
                sync_id="sa",
                event_type="record_updated",
                record_id=f"r{n}",
                payload={"n": n},
            )
            for n in order
        )

    try:
        with ThreadPoolExecutor(senders) as pool:
            stored = sum(pool.map(send, range(senders)))
        assert stored == events
        assert stores[0].count_events() == events
        ids = [event.id for event in stores[0].events_after(0)]
        assert len(set(ids)) == events and ids == sorted(ids)
    finally:
        for store in stores:
            store.close()


def test_threads_pulling_different_syncs_keep_every_row_and_cursor(backend: Backend) -> None:
    with ThreadPoolExecutor(2) as pool:
        done = list(
            pool.map(
                lambda args: pull(backend.url, backend.schema, *args),
                [("u1", "sa"), ("u2", "sb")],
            )
        )
    assert done == [PAGES, PAGES]
    with backend.store() as store:
        assert_fully_pulled(store, "sa")
        assert_fully_pulled(store, "sb")


def test_processes_pulling_different_syncs_keep_every_row_and_cursor(backend: Backend) -> None:
    # spawn, as Dagster's run launcher starts fresh interpreters (and fork is unsafe with threads).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = [
            pool.submit(pull, backend.url, backend.schema, "u1", "sa"),
            pool.submit(pull, backend.url, backend.schema, "u2", "sb"),
        ]
        assert [future.result(timeout=120) for future in futures] == [PAGES, PAGES]
    with backend.store() as store:
        assert_fully_pulled(store, "sa")
        assert_fully_pulled(store, "sb")
