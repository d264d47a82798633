"""The `sync_webhooks` sensor keeps the inbox small, evaluated as the daemon does: every event a
tick requests a run for is settled, deletion hints are left to the run that confirms them, and
settled events past SYNCRAG_INBOX_RETENTION_HOURS are deleted, a bounded number per tick."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance

from pipelines import sensors
from pipelines.definitions import build_definitions
from pipelines.settings import Settings, SettingsError
from resources.state import DELETION_HINT_EVENT_TYPE, EventStatus, StateStore
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
    """The module's instance with only alice as a user partition."""
    return with_user_partitions(shared_instance, ["alice"])


def _event(
    store: StateStore,
    user: str,
    event_type: str = "record_updated",
    status: EventStatus = EventStatus.NEW,
) -> int:
    key = f"test-{next(_keys)}"
    assert store.insert_event(
        dedup_key=key,
        user_id=user,
        sync_id="sync-1",
        event_type=event_type,
        record_id=None if event_type.startswith("sync_") else f"rec-{key}",
        payload={"event": event_type, "user": {"id": user}},
        status=status,
    )
    return max(e.id for e in store.events_after(0, limit=100_000))


def _tick(
    instance: DagsterInstance,
    state_url: str,
    api: EmulatedSyncApi,
    cursor: str | None,
    environ: dict[str, str] | None = None,
) -> Tick:
    # Runs of one user each, so that every user's request can be read on its own.
    repository = build_definitions(
        {"SYNCRAG_RUN_BATCH_USERS": "1", **(environ or {})}
    ).get_repository_def()
    resources = {"state": StateResource(url=state_url), "sync_api": api.resource()}
    return evaluate_sensor_tick(instance, repository, resources, cursor)


def _status(store: StateStore) -> dict[int, EventStatus]:
    return {e.id: e.status for e in store.events_after(0, limit=100_000)}


def _store_at(state_url: str, clock: Callable[[], datetime]) -> StateStore:
    """The same state DB, written with a clock of the test's choosing."""
    return StateStore.open(state_url, clock=clock)


def _hours_ago(hours: float) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) - timedelta(hours=hours)


def test_a_tick_settles_the_events_it_requests_a_run_for_but_not_deletion_hints(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    api.spy.failures["dave"] = 503  # dave is new and cannot be confirmed: his events wait
    settled = [
        _event(store, "alice", event_type)
        for event_type in ("record_created", "record_updated", "sync_complete", "sync_errored")
    ]
    hint = _event(store, "alice", DELETION_HINT_EVENT_TYPE)
    waiting = _event(store, "dave", "record_created")

    data = _tick(instance, state_url, api, None)

    assert set(data.by_user) == {"alice"}
    status = _status(store)
    assert [status[i] for i in settled] == 4 * [EventStatus.PROCESSED]
    assert (status[hint], status[waiting]) == (EventStatus.NEW, EventStatus.NEW)
    assert [e.id for e in store.pending_deletion_hints("alice")] == [hint]


def test_a_tick_evaluated_again_requests_the_events_it_already_settled(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    # Should the daemon fail to store the first tick's result, its cursor stays: the next
    # evaluation reads the same, now settled, events and must still request their run.
    _event(store, "alice")
    _event(store, "alice", "sync_complete")

    first = _tick(instance, state_url, api, None)
    again = _tick(instance, state_url, api, None)

    assert set(_status(store).values()) == {EventStatus.PROCESSED}
    assert first.by_user["alice"].run_key == again.by_user["alice"].run_key
    assert again.by_user["alice"].tags["syncrag/events"] == "2"


def test_a_tick_deletes_settled_events_past_the_retention_and_keeps_the_rest(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    with _store_at(state_url, _hours_ago(100)) as old:
        old_ignored = _event(old, "alice", "record_errored", EventStatus.IGNORED)
        old_processed = _event(old, "alice")
        old.mark_events_processed([old_processed])
        old_hint = _event(old, "alice", DELETION_HINT_EVENT_TYPE)  # never settled: kept
    recent = _event(store, "bob", "record_updated", EventStatus.IGNORED)
    first = _tick(instance, state_url, api, None)
    assert {old_ignored, old_processed} & set(_status(store)) == set()

    latest = _event(store, "alice")
    second = _tick(instance, state_url, api, first.cursor)

    assert set(_status(store)) == {old_hint, recent, latest}
    # The sensor's cursor is past the deleted ids, and new events still come after it.
    assert second.by_user["alice"].tags["syncrag/events"] == "1"


def test_the_retention_is_the_setting(
    instance: DagsterInstance, state_url: str, store: StateStore, api: EmulatedSyncApi
) -> None:
    with _store_at(state_url, _hours_ago(2)) as earlier:
        settled = _event(earlier, "alice", "record_errored", EventStatus.IGNORED)

    _tick(instance, state_url, api, None)  # default: 72 hours
    kept = settled in _status(store)
    _tick(instance, state_url, api, None, {"SYNCRAG_INBOX_RETENTION_HOURS": "1"})

    assert kept
    assert settled not in _status(store)


def test_a_tick_deletes_a_bounded_number_of_events(
    instance: DagsterInstance,
    state_url: str,
    store: StateStore,
    api: EmulatedSyncApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sensors, "MAX_PRUNED_PER_TICK", 3)
    with _store_at(state_url, _hours_ago(100)) as old:
        for _ in range(5):
            _event(old, "alice", "record_errored", EventStatus.IGNORED)

    cursor = _tick(instance, state_url, api, None).cursor
    after_one = store.count_events()
    _tick(instance, state_url, api, cursor)

    assert after_one == 2
    assert store.count_events() == 0


def test_the_retention_setting_takes_whole_hours_from_one() -> None:
    assert Settings.from_env({}).inbox_retention_hours == 72
    with pytest.raises(SettingsError, match="SYNCRAG_INBOX_RETENTION_HOURS"):
        Settings.from_env({"SYNCRAG_INBOX_RETENTION_HOURS": "0"})
