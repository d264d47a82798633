"""The `sync_webhooks` sensor asks for runs in proportion to the work divided by the batch size,
evaluated as the daemon does: a burst of users with news becomes batch runs of at most
SYNCRAG_RUN_BATCH_USERS users, a lone user a run of its partition."""

from __future__ import annotations

import itertools

import pytest
from dagster import DagsterInstance, RunRequest

from pipelines.definitions import build_definitions
from pipelines.sensors import InboxCursor
from resources.state import StateStore
from resources.state_resource import StateResource
from tests.test_sensor_support import (
    EmulatedSyncApi,
    evaluate_sensor_tick,
    with_user_partitions,
)

USERS = [f"user{i:03d}" for i in range(60)]
_keys = itertools.count()


@pytest.fixture
def instance(shared_instance: DagsterInstance) -> DagsterInstance:
    """The module's instance with USERS as known partitions (the API is not asked about them)."""
    return with_user_partitions(shared_instance, USERS)


def _news(state_url: str, users: list[str]) -> None:
    with StateStore.open(state_url) as store:
        for user in users:
            key = f"news-{next(_keys)}"
            store.insert_event(
                dedup_key=key,
                user_id=user,
                sync_id="sync-1",
                event_type="record_updated",
                record_id=f"rec-{key}",
                payload={"event": "record_updated", "user": {"id": user}},
            )


def _requests(
    instance: DagsterInstance,
    state_url: str,
    api: EmulatedSyncApi,
    cursor: str | None = None,
    environ: dict[str, str] | None = None,
) -> tuple[list[RunRequest], str | None]:
    # Batches of 25 unless a test says otherwise: the arithmetic below is in 25s.
    settings = {"SYNCRAG_RUN_BATCH_USERS": "25", **(environ or {})}
    repository = build_definitions(settings).get_repository_def()
    resources = {"state": StateResource(url=state_url), "sync_api": api.resource()}
    tick = evaluate_sensor_tick(instance, repository, resources, cursor)
    return tick.requests, tick.cursor


def _users(request: RunRequest) -> list[str]:
    assert request.job_name == "ingest_users"
    return list(request.run_config["ops"]["ingest_users_op"]["config"]["users"])


def test_a_burst_of_users_becomes_batch_runs_of_the_configured_size(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, USERS)

    requests, cursor = _requests(instance, state_url, api)
    # The partial last batch waits one tick for company; with none coming, it runs then.
    later, _ = _requests(instance, state_url, api, cursor)

    assert [len(_users(r)) for r in requests] == [25, 25]
    assert [len(_users(r)) for r in later] == [10]
    assert sorted(u for r in requests + later for u in _users(r)) == USERS
    assert len({r.run_key for r in requests + later}) == 3
    assert all(r.tags["syncrag/trigger"] == "webhook" for r in requests + later)
    # A batch run's tags stay few (the UI lists them): its users are in its config only.
    assert all(len(r.tags) <= 4 for r in requests)


def test_a_burst_spread_over_two_ticks_gets_runs_for_the_burst_not_one_more_per_tick(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, USERS[:40])
    first, cursor = _requests(instance, state_url, api)
    _news(state_url, USERS[40:])

    second, cursor = _requests(instance, state_url, api, cursor)
    third, _ = _requests(instance, state_url, api, cursor)

    # 60 users: 3 runs (25, 25, 10), not 4 (25 and 15, then 20); the held 15 lead the next.
    assert [len(_users(r)) for r in first] == [25]
    assert [len(_users(r)) for r in second] == [25]
    assert _users(second[0])[:15] == USERS[25:40]
    assert [len(_users(r)) for r in third] == [10]
    assert sorted(u for r in first + second + third for u in _users(r)) == USERS


def test_a_quiet_tick_holds_nobody_back(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, USERS[:10])

    requests, cursor = _requests(instance, state_url, api)

    assert [len(_users(r)) for r in requests] == [10]
    assert cursor is not None and ":" not in cursor  # nothing waits


def test_the_batch_size_is_a_setting(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, USERS)

    environ = {"SYNCRAG_RUN_BATCH_USERS": "40"}
    requests, cursor = _requests(instance, state_url, api, environ=environ)
    later, _ = _requests(instance, state_url, api, cursor, environ=environ)

    assert [len(_users(r)) for r in requests] == [40]
    assert [len(_users(r)) for r in later] == [20]


def test_a_lone_user_gets_a_run_of_its_partition(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, ["user007", "user007"])

    requests, _ = _requests(instance, state_url, api)

    [request] = requests
    assert request.job_name == "ingest_user"
    assert request.partition_key == "user007"
    assert request.tags["syncrag/events"] == "2"


def test_news_after_a_burst_gets_new_runs_with_new_keys(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, USERS[:30])
    first, cursor = _requests(instance, state_url, api)
    _news(state_url, USERS[:30])

    second, _ = _requests(instance, state_url, api, cursor)

    # Each tick: one full batch, and its 5 left over wait for the next tick.
    assert [len(_users(r)) for r in second] == [25]
    assert {r.run_key for r in first}.isdisjoint({r.run_key for r in second})


def test_held_users_survive_the_cursor_whatever_their_ids() -> None:
    cursor = InboxCursor(after=4, seen=9, held=("a:b", 'quote"d', "plain"))

    assert InboxCursor.parse(str(cursor)) == cursor
    assert InboxCursor.parse("9") == InboxCursor(9, 9)
    assert InboxCursor.parse("4:9") == InboxCursor(4, 9)
