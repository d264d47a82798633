"""The `sync_webhooks` sensor: one run request per user and tick, new users become partitions, the
cursor moves past exactly what a tick read, and a failing tick loses nothing."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import (
    DagsterInstance,
    RunRequest,
    SensorResult,
    build_sensor_context,
    instance_for_test,
)

from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.sensors import build_webhook_sensor, evaluate_inbox
from resources.state import EventStatus, StateStore, SyncStatus
from resources.state_resource import StateResource

_keys = itertools.count()


@pytest.fixture(scope="module")
def shared_instance() -> Iterator[DagsterInstance]:
    # One instance for the module: creating one takes seconds.
    with instance_for_test() as instance:
        yield instance


@pytest.fixture
def instance(shared_instance: DagsterInstance) -> DagsterInstance:
    """The module's instance with no user partitions yet."""
    for user in shared_instance.get_dynamic_partitions(USERS_PARTITIONS_NAME):
        shared_instance.delete_dynamic_partition(USERS_PARTITIONS_NAME, user)
    return shared_instance


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def store(state_url: str) -> Iterator[StateStore]:
    with StateStore.open(state_url) as store:
        yield store


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


def _tick(instance: DagsterInstance, state_url: str, cursor: str | None) -> SensorResult:
    sensor = build_webhook_sensor(5)
    # The resource opens and closes its store around the tick, as in the daemon.
    with build_sensor_context(
        instance=instance, cursor=cursor, resources={"state": StateResource(url=state_url)}
    ) as context:
        result = sensor(context)
    assert isinstance(result, SensorResult)
    return result


def _requests(result: SensorResult) -> dict[str, RunRequest]:
    requests = result.run_requests or []
    by_user = {r.partition_key: r for r in requests}
    assert len(by_user) == len(requests), "one request per user"
    return {str(user): request for user, request in by_user.items()}


def _added_partitions(result: SensorResult) -> list[str]:
    added: list[str] = []
    for request in result.dynamic_partitions_requests or []:
        assert request.partitions_def_name == USERS_PARTITIONS_NAME
        added.extend(request.partition_keys)
    return added


def test_many_events_of_one_user_become_one_run_request(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    for event_type in ("record_created", "record_created", "record_updated", "record_deleted"):
        _event(store, "alice", event_type)
    _event(store, "bob", "record_created")
    _event(store, "alice", "sync_complete")

    result = _tick(instance, state_url, None)

    requests = _requests(result)
    assert set(requests) == {"alice", "bob"}
    assert requests["alice"].tags["syncrag/events"] == "5"
    assert requests["alice"].tags["syncrag/event_types"] == (
        "record_created,record_deleted,record_updated,sync_complete"
    )
    assert requests["bob"].tags["syncrag/events"] == "1"
    assert all(r.tags["syncrag/trigger"] == "webhook" for r in requests.values())


def test_unknown_users_are_added_as_partitions_known_ones_are_not(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    for user in ("alice", "carol", "bob", "carol"):
        _event(store, user)

    result = _tick(instance, state_url, None)

    assert sorted(_added_partitions(result)) == ["bob", "carol"]
    assert set(_requests(result)) == {"alice", "bob", "carol"}


def test_no_partition_request_when_every_user_is_known(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    _event(store, "alice")

    result = _tick(instance, state_url, None)

    assert _added_partitions(result) == []
    assert set(_requests(result)) == {"alice"}


def test_the_next_tick_reads_only_rows_after_the_cursor(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    _event(store, "alice")
    _event(store, "bob")
    first = _tick(instance, state_url, None)
    assert first.cursor is not None

    idle = _tick(instance, state_url, first.cursor)
    _event(store, "bob")
    _event(store, "bob")
    second = _tick(instance, state_url, first.cursor)

    assert not idle.run_requests
    assert idle.skip_reason is not None
    assert set(_requests(second)) == {"bob"}
    assert _requests(second)["bob"].tags["syncrag/events"] == "2"
    assert second.cursor is not None and int(second.cursor) > int(first.cursor)
    assert not _requests(_tick(instance, state_url, second.cursor))


def test_run_keys_are_unique_per_tick_so_a_later_run_is_never_blocked(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    keys: list[str | None] = []
    cursor: str | None = None
    for _ in range(3):
        _event(store, "alice")
        result = _tick(instance, state_url, cursor)
        cursor = result.cursor
        keys.append(_requests(result)["alice"].run_key)

    assert None not in keys
    assert len(set(keys)) == 3


def test_ignored_events_request_nothing_but_are_read_past(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    _event(store, "alice", "record_errored", status=EventStatus.IGNORED)
    _event(store, "mallory", "record_updated", status=EventStatus.IGNORED)

    result = _tick(instance, state_url, None)
    _event(store, "alice")
    after = _tick(instance, state_url, result.cursor)

    assert not result.run_requests
    assert _added_partitions(result) == []
    assert result.cursor is not None
    assert _requests(after)["alice"].tags["syncrag/events"] == "1"


def test_a_sync_errored_event_marks_the_sync_errored_at_once(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    store.upsert_sync(
        user_id="alice",
        sync_id="sync-1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.IDLE,
    )
    message = "Credentials are no longer valid."
    _event(store, "alice", "sync_errored", payload={"error": {"message": message}})

    result = _tick(instance, state_url, None)

    sync = store.get_sync("sync-1")
    assert sync is not None
    assert (sync.status, sync.reason) == (SyncStatus.ERRORED, message)
    assert set(_requests(result)) == {"alice"}


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


def test_a_tick_that_fails_midway_loses_nothing(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    store.upsert_sync(
        user_id="alice",
        sync_id="sync-1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.IDLE,
    )
    _event(store, "alice", "sync_errored", payload={"error": {"message": "revoked"}})
    _event(store, "bob", sync_id="sync-2")
    context = build_sensor_context(instance=instance, cursor="0")

    with FailingStore.open(state_url) as failing, pytest.raises(ConnectionError):
        evaluate_inbox(context, failing)
    retry = _tick(instance, state_url, context.cursor)

    assert context.cursor == "0"
    assert set(_requests(retry)) == {"alice", "bob"}
    assert sorted(_added_partitions(retry)) == ["alice", "bob"]
    assert retry.cursor is not None and int(retry.cursor) == 2


def test_a_sync_errored_event_for_an_unrecorded_sync_does_not_stop_the_sensor(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    # A sync enabled outside syncrag (or a forged event): the tick must not fail on it forever.
    _event(store, "alice", "sync_errored", sync_id="never-seen", payload={"error": {}})
    _event(store, "bob")

    result = _tick(instance, state_url, None)

    assert set(_requests(result)) == {"alice", "bob"}
    assert store.get_sync("never-seen") is None


def test_a_sync_errored_event_cannot_mark_another_users_sync(
    instance: DagsterInstance, state_url: str, store: StateStore
) -> None:
    store.upsert_sync(
        user_id="alice",
        sync_id="sync-1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.IDLE,
    )
    _event(store, "mallory", "sync_errored", sync_id="sync-1", payload={"error": {}})

    result = _tick(instance, state_url, None)

    sync = store.get_sync("sync-1")
    assert sync is not None and sync.status == SyncStatus.IDLE
    assert set(_requests(result)) == {"mallory"}
