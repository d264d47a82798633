"""The `sync_webhooks` sensor, evaluated as the daemon does (`evaluate_tick`, so Dagster's own
checks run): one run request per user and tick; a user it has never seen becomes a partition
only once the Sync API (the emulator, in-process) lists a sync of that user; the cursor moves
past exactly what a tick settled, and a failing tick or an unavailable API loses nothing."""

from __future__ import annotations

import functools
import itertools
from typing import Any

import pytest
from dagster import (
    DagsterInstance,
    InitResourceContext,
    RepositoryDefinition,
)

from pipelines.definitions import build_definitions
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.sensors import MAX_NEW_USERS_PER_TICK
from resources.state import EventStatus, StateStore, SyncStatus
from resources.state_resource import StateResource
from tests.test_sensor_support import (
    EmulatedSyncApi,
    Tick,
    evaluate_sensor_tick,
    with_user_partitions,
)

_keys = itertools.count()


@pytest.fixture
def instance(shared_instance: DagsterInstance) -> DagsterInstance:
    """The module's instance with no user partitions yet."""
    return with_user_partitions(shared_instance, [])


@functools.cache
def _repository() -> RepositoryDefinition:
    """The code location as the daemon loads it (default settings)."""
    # Runs of one user each, so that every user's request can be read on its own; batching is
    # tested in tests/test_sensor_batches.py.
    return build_definitions({"SYNCRAG_RUN_BATCH_USERS": "1"}).get_repository_def()


def _event(
    store: StateStore,
    user: str,
    event_type: str = "record_updated",
    *,
    sync_id: str = "sync-1",
    status: EventStatus = EventStatus.NEW,
    payload: dict[str, Any] | None = None,
) -> None:
    stored = store.insert_event(
        dedup_key=f"test-{next(_keys)}",
        user_id=user,
        sync_id=sync_id,
        event_type=event_type,
        record_id=None if event_type.startswith("sync_") else f"rec-{next(_keys)}",
        payload=payload or {"event": event_type, "user": {"id": user}},
        status=status,
    )
    assert stored


def _tick(
    instance: DagsterInstance,
    state_url: str,
    api: EmulatedSyncApi,
    cursor: str | None,
    *,
    state: StateResource | None = None,
) -> Tick:
    # The resources open and close their store and client around the tick, as in the daemon.
    resources = {"state": state or StateResource(url=state_url), "sync_api": api.resource()}
    return evaluate_sensor_tick(instance, _repository(), resources, cursor)


def _statuses(store: StateStore, user: str) -> list[tuple[EventStatus, str | None]]:
    return [(e.status, e.reason) for e in store.events_after(0) if e.user_id == user]


def test_many_events_of_one_user_become_one_run_request(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    api.give_sync("alice")
    api.give_sync("bob")
    for event_type in ("record_created", "record_created", "record_updated", "record_deleted"):
        _event(store, "alice", event_type)
    _event(store, "bob", "record_created")
    _event(store, "alice", "sync_complete")

    data = _tick(instance, state_url, api, None)

    requests = data.by_user
    assert set(requests) == {"alice", "bob"}
    assert requests["alice"].tags["syncrag/events"] == "5"
    assert requests["alice"].tags["syncrag/event_types"] == (
        "record_created,record_deleted,record_updated,sync_complete"
    )
    assert requests["bob"].tags["syncrag/events"] == "1"
    assert all(r.tags["syncrag/trigger"] == "webhook" for r in requests.values())


def test_new_users_with_a_sync_become_partitions_asked_about_once_known_ones_are_not_asked(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    api.give_sync("bob")
    api.give_sync("carol")
    for user in ("alice", "carol", "bob", "carol", "alice"):
        _event(store, user)

    data = _tick(instance, state_url, api, None)

    assert sorted(data.added) == ["bob", "carol"]
    assert set(data.by_user) == {"alice", "bob", "carol"}
    assert sorted(api.spy.asked) == ["bob", "carol"]


def test_no_partition_request_and_no_api_call_when_every_user_is_known(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    _event(store, "alice")

    data = _tick(instance, state_url, api, None)

    assert data.added == []
    assert set(data.by_user) == {"alice"}
    assert api.spy.asked == []


def test_the_next_tick_reads_only_rows_after_the_cursor(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    api.give_sync("alice")
    api.give_sync("bob")
    _event(store, "alice")
    _event(store, "bob")
    first = _tick(instance, state_url, api, None)
    assert first.cursor is not None

    idle = _tick(instance, state_url, api, first.cursor)
    _event(store, "bob")
    _event(store, "bob")
    second = _tick(instance, state_url, api, first.cursor)

    assert not idle.requests
    assert idle.skip_message is not None
    assert set(second.by_user) == {"bob"}
    assert second.by_user["bob"].tags["syncrag/events"] == "2"
    assert second.cursor is not None and int(second.cursor) > int(first.cursor)
    assert not _tick(instance, state_url, api, second.cursor).by_user
    assert sorted(api.spy.asked) == ["alice", "bob"]


def test_run_keys_are_unique_per_tick_so_a_later_run_is_never_blocked(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    api.give_sync("alice")
    keys: list[str | None] = []
    cursor: str | None = None
    for _ in range(3):
        _event(store, "alice")
        data = _tick(instance, state_url, api, cursor)
        cursor = data.cursor
        keys.append(data.by_user["alice"].run_key)

    assert None not in keys
    assert len(set(keys)) == 3


def test_ignored_events_request_nothing_but_are_read_past(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    _event(store, "alice", "record_errored", status=EventStatus.IGNORED)
    _event(store, "mallory", "record_updated", status=EventStatus.IGNORED)

    data = _tick(instance, state_url, api, None)
    _event(store, "alice")
    after = _tick(instance, state_url, api, data.cursor)

    assert not data.requests
    assert data.added == []
    assert data.cursor is not None
    assert after.by_user["alice"].tags["syncrag/events"] == "1"
    assert api.spy.asked == []


def test_a_user_without_a_sync_gets_no_partition_and_no_run_and_is_not_retried(
    instance: DagsterInstance,
    state_url: str,
    store: StateStore,
    api: EmulatedSyncApi,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A forged delivery; its user id tries to forge a log line as well.
    mallory = "mallory\n2025-07-01 - dagster - INFO - launched a run for alice"
    api.give_sync("alice")
    _event(store, mallory)
    _event(store, "alice")
    _event(store, mallory, "record_deleted")

    data = _tick(instance, state_url, api, None)
    logged = capsys.readouterr().err.splitlines()
    again = _tick(instance, state_url, api, data.cursor)

    assert data.added == ["alice"]
    assert set(data.by_user) == {"alice"}
    assert instance.get_dynamic_partitions(USERS_PARTITIONS_NAME) == ["alice"]
    assert _statuses(store, mallory) == 2 * [
        (EventStatus.REJECTED, "the Sync API lists no sync for this user")
    ]
    assert store.pending_deletion_hints(mallory) == []
    # One warning line for the user, its id escaped: no line of the log is the forged one.
    [warning] = [line for line in logged if "rejected" in line]
    assert "WARNING" in warning and repr(mallory) in warning
    assert not [line for line in logged if line.startswith("2025-07-01 - dagster")]
    # Read past, not asked about again: the cursor moved beyond the rejected events.
    assert not again.requests
    assert api.spy.asked == [mallory, "alice"]


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_user_the_api_refuses_or_does_not_know_is_rejected(
    instance: DagsterInstance,
    state_url: str,
    store: StateStore,
    api: EmulatedSyncApi,
    status: int,
) -> None:
    api.give_sync("alice")
    api.spy.failures["mallory"] = status
    _event(store, "mallory")
    _event(store, "alice")

    data = _tick(instance, state_url, api, None)

    assert set(data.by_user) == {"alice"}
    assert data.added == ["alice"]
    [(event_status, reason)] = _statuses(store, "mallory")
    assert event_status == EventStatus.REJECTED
    assert reason is not None and str(status) in reason
    assert data.cursor == "2"


def test_an_unavailable_api_keeps_the_new_users_events_and_blocks_no_one(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "carol"])
    api.give_sync("dave")
    api.give_sync("erin")
    api.spy.failures["dave"] = 503
    _event(store, "alice")  # 1
    _event(store, "dave")  # 2: the API cannot be asked about dave
    _event(store, "alice")  # 3
    _event(store, "erin")  # 4: not asked while the API is down
    _event(store, "carol")  # 5

    outage = _tick(instance, state_url, api, None)
    dave_during_outage = _statuses(store, "dave")
    still_down = _tick(instance, state_url, api, outage.cursor)
    _event(store, "carol")  # 6
    news = _tick(instance, state_url, api, still_down.cursor)
    del api.spy.failures["dave"]
    back = _tick(instance, state_url, api, news.cursor)

    # Known users run at once; dave and erin wait, and nothing of theirs is dropped.
    assert set(outage.by_user) == {"alice", "carol"}
    assert outage.by_user["alice"].run_key == "alice:inbox:3"
    assert outage.added == []
    assert dave_during_outage == [(EventStatus.NEW, None)]
    assert outage.cursor == "1:5"
    # Events read before are not requested again while the cursor waits at dave's.
    assert not still_down.requests
    assert still_down.cursor == "1:5"
    assert set(news.by_user) == {"carol"}
    assert news.by_user["carol"].tags["syncrag/events"] == "1"
    assert news.cursor == "1:6"
    # Once the API answers, dave and erin are confirmed and run with their own events only.
    assert sorted(back.added) == ["dave", "erin"]
    assert set(back.by_user) == {"dave", "erin"}
    assert back.by_user["dave"].tags["syncrag/events"] == "1"
    assert back.cursor == "6"
    assert _statuses(store, "dave") == [(EventStatus.PROCESSED, None)]
    assert api.spy.asked == ["dave", "dave", "dave", "dave", "erin"]


def test_new_users_past_the_quota_of_a_tick_wait_for_the_next(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    forged = [f"forged-{n:02d}" for n in range(MAX_NEW_USERS_PER_TICK + 2)]
    for user in forged:
        _event(store, user)
    _event(store, "alice")

    first = _tick(instance, state_url, api, None)
    second = _tick(instance, state_url, api, first.cursor)

    assert len(api.spy.asked) == MAX_NEW_USERS_PER_TICK + 2
    assert sorted(api.spy.asked) == forged
    assert set(first.by_user) == {"alice"}
    assert not second.requests
    assert {s for user in forged for s, _ in _statuses(store, user)} == {EventStatus.REJECTED}
    assert second.cursor == str(len(forged) + 1)


def test_a_sync_errored_event_marks_the_sync_errored_at_once(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    store.upsert_sync(
        user_id="alice",
        sync_id="sync-1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.IDLE,
    )
    message = "Credentials are no longer valid."
    _event(store, "alice", "sync_errored", payload={"error": {"message": message}})

    data = _tick(instance, state_url, api, None)

    sync = store.get_sync("sync-1")
    assert sync is not None
    assert (sync.status, sync.reason) == (SyncStatus.ERRORED, message)
    assert set(data.by_user) == {"alice"}


class FailingStore(StateStore):
    """The real store, except that its `fail_on`-th call from the sensor raises."""

    fail_on = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0

    def _count(self) -> None:
        self.calls += 1
        if self.calls == self.fail_on:
            raise ConnectionError("the state DB went away")

    def events_after(self, last_id: int, *, limit: int = 1000) -> Any:
        self._count()
        return super().events_after(last_id, limit=limit)

    def set_sync_status(self, sync_id: str, status: Any, reason: str | None = None) -> None:
        self._count()
        super().set_sync_status(sync_id, status, reason)


class FailingStateResource(StateResource):
    """The state resource over a FailingStore."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._store = FailingStore.open(self.url)


def test_a_tick_that_fails_midway_loses_nothing(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    api.give_sync("alice")
    api.give_sync("bob")
    store.upsert_sync(
        user_id="alice",
        sync_id="sync-1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.IDLE,
    )
    _event(store, "alice", "sync_errored", payload={"error": {"message": "revoked"}})
    _event(store, "bob", sync_id="sync-2")

    with pytest.raises(ConnectionError):
        _tick(instance, state_url, api, "0", state=FailingStateResource(url=state_url))
    assert instance.get_dynamic_partitions(USERS_PARTITIONS_NAME) == []
    retry = _tick(instance, state_url, api, "0")

    assert set(retry.by_user) == {"alice", "bob"}
    assert sorted(retry.added) == ["alice", "bob"]
    assert retry.cursor == "2"


def test_a_sync_errored_event_for_an_unrecorded_sync_does_not_stop_the_sensor(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    # A sync enabled outside syncrag (or a forged event): the tick must not fail on it forever.
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "bob"])
    _event(store, "alice", "sync_errored", sync_id="never-seen", payload={"error": {}})
    _event(store, "bob")

    data = _tick(instance, state_url, api, None)

    assert set(data.by_user) == {"alice", "bob"}
    assert store.get_sync("never-seen") is None


def test_a_sync_errored_event_cannot_mark_another_users_sync(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "mallory"])
    store.upsert_sync(
        user_id="alice",
        sync_id="sync-1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.IDLE,
    )
    _event(store, "mallory", "sync_errored", sync_id="sync-1", payload={"error": {}})

    data = _tick(instance, state_url, api, None)

    sync = store.get_sync("sync-1")
    assert sync is not None and sync.status == SyncStatus.IDLE
    assert set(data.by_user) == {"mallory"}
