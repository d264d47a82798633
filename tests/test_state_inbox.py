"""The webhook inbox through StateStore: deduplicated storage, id-ordered reading, hints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resources.state import DELETION_HINT_EVENT_TYPE, EventStatus, StateStore
from tests.test_state_support import BACKENDS, Backend, TickingClock, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def store(backend: Backend) -> Iterator[StateStore]:
    with backend.open(clock=TickingClock()) as opened:
        yield opened


def deliver(
    store: StateStore,
    key: str,
    *,
    user_id: str = "u1",
    event_type: str = DELETION_HINT_EVENT_TYPE,
    record_id: str | None = "r1",
    status: str = "new",
    payload: dict[str, Any] | None = None,
) -> bool:
    return store.insert_event(
        dedup_key=key,
        user_id=user_id,
        sync_id="s1",
        event_type=event_type,
        record_id=record_id,
        payload={"event": event_type, "key": key} if payload is None else payload,
        status=status,
    )


def test_a_delivery_is_stored_once_however_often_it_is_replayed(store: StateStore) -> None:
    assert deliver(store, "k1", payload={"first": True, "name": "Überblick"})
    assert not deliver(store, "k1", payload={"first": False})
    assert not deliver(store, "k1", status="ignored")
    assert store.count_events() == 1
    (event,) = store.events_after(0)
    assert event.dedup_key == "k1"
    assert event.payload == {"first": True, "name": "Überblick"}
    assert (event.user_id, event.sync_id, event.record_id) == ("u1", "s1", "r1")
    assert event.event_type == DELETION_HINT_EVENT_TYPE
    assert (event.status, event.processed_at) == (EventStatus.NEW, None)


def test_events_after_reads_every_status_in_id_order(store: StateStore) -> None:
    deliver(store, "k1", event_type="sync_complete", record_id=None)
    deliver(store, "k2", event_type="record_errored", status="ignored")
    deliver(store, "k3")
    events = store.events_after(0)
    assert [e.dedup_key for e in events] == ["k1", "k2", "k3"]
    assert [e.status for e in events] == [EventStatus.NEW, EventStatus.IGNORED, EventStatus.NEW]
    assert events[1].processed_at is not None
    assert events[0].id < events[1].id < events[2].id
    assert [e.dedup_key for e in store.events_after(events[0].id)] == ["k2", "k3"]
    assert [e.dedup_key for e in store.events_after(0, limit=2)] == ["k1", "k2"]
    assert store.events_after(events[2].id) == []


def test_events_after_needs_a_positive_limit(store: StateStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        store.events_after(0, limit=0)


def test_pending_deletion_hints_are_the_users_new_record_deleted_events(
    store: StateStore,
) -> None:
    deliver(store, "k1", record_id="r1")
    deliver(store, "k2", event_type="record_updated", record_id="r2")
    deliver(store, "k3", user_id="u2", record_id="r3")
    deliver(store, "k4", record_id="r4", status="ignored")
    deliver(store, "k5", record_id="r5")
    hints = store.pending_deletion_hints("u1")
    assert [(h.dedup_key, h.record_id) for h in hints] == [("k1", "r1"), ("k5", "r5")]
    store.mark_events_processed([hints[0].id])
    assert [h.dedup_key for h in store.pending_deletion_hints("u1")] == ["k5"]


def test_mark_events_processed_moves_only_new_events(store: StateStore) -> None:
    deliver(store, "k1")
    deliver(store, "k2", status="ignored")
    deliver(store, "k3")
    ids = [e.id for e in store.events_after(0)]
    store.mark_events_processed(ids[:2] + ids[:1])
    store.mark_events_processed([])
    events = store.events_after(0)
    assert [e.status for e in events] == [
        EventStatus.PROCESSED,
        EventStatus.IGNORED,
        EventStatus.NEW,
    ]
    assert events[0].processed_at is not None and events[0].processed_at > events[0].received_at
    assert store.count_events("new") == 1
    assert store.count_events(EventStatus.PROCESSED) == 1
    assert store.count_events() == 3


def test_an_unknown_status_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="EventStatus"):
        deliver(store, "k1", status="done")
    assert store.count_events() == 0


def test_rejected_events_keep_their_reason_and_are_never_hints(store: StateStore) -> None:
    deliver(store, "k1", user_id="mallory", record_id="r1")
    deliver(store, "k2", user_id="mallory", record_id="r2", status="ignored")
    deliver(store, "k3", user_id="u1", record_id="r3")
    ids = [e.id for e in store.events_after(0)]

    assert store.mark_events_rejected(ids[:2], "the Sync API lists no sync of this user") == 1
    assert store.mark_events_rejected(ids[:1], "again") == 0
    assert store.mark_events_rejected([], "nothing") == 0

    rejected, ignored, new = store.events_after(0)
    assert (rejected.status, rejected.reason) == (
        EventStatus.REJECTED,
        "the Sync API lists no sync of this user",
    )
    assert rejected.processed_at is not None
    assert (ignored.status, ignored.reason) == (EventStatus.IGNORED, None)
    assert (new.status, new.reason) == (EventStatus.NEW, None)
    assert store.pending_deletion_hints("mallory") == []
    assert store.count_events(EventStatus.REJECTED) == 1
    store.mark_events_processed(ids)
    assert store.events_after(0)[0].status == EventStatus.REJECTED


def test_an_inbox_from_before_rejections_migrates_with_no_reasons(backend: Backend) -> None:
    with backend.store() as old:
        old.migrate(target=3)
        deliver(old, "k1")
    with backend.open() as store:
        [event] = store.events_after(0)
        assert (event.status, event.reason) == (EventStatus.NEW, None)
        assert store.mark_events_rejected([event.id], "no sync") == 1
        assert store.events_after(0)[0].reason == "no sync"
