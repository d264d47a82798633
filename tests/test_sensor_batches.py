"""The `sync_webhooks` sensor asks for runs in proportion to the work divided by the batch size,
evaluated as the daemon does: a burst of users with news becomes batch runs of at most
SYNCRAG_RUN_BATCH_USERS users, a lone user a run of its partition."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, RunRequest, instance_for_test

from pipelines.definitions import build_definitions
from pipelines.partitions import USERS_PARTITIONS_NAME
from resources.state import StateStore
from resources.state_resource import StateResource
from tests.test_sensor_support import evaluate_sensor_tick
from tests.test_sensor_webhooks import EmulatedSyncApi

USERS = [f"user{i:03d}" for i in range(60)]
_keys = itertools.count()


@pytest.fixture(scope="module")
def shared_instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as instance:
        yield instance


@pytest.fixture
def instance(shared_instance: DagsterInstance) -> DagsterInstance:
    """The module's instance with USERS as known partitions (the API is not asked about them)."""
    for user in shared_instance.get_dynamic_partitions(USERS_PARTITIONS_NAME):
        shared_instance.delete_dynamic_partition(USERS_PARTITIONS_NAME, user)
    shared_instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, USERS)
    return shared_instance


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[EmulatedSyncApi]:
    (tmp_path / "corpus").mkdir()
    emulated = EmulatedSyncApi(tmp_path / "corpus")
    try:
        yield emulated
    finally:
        emulated.close()


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
    repository = build_definitions(environ or {}).get_repository_def()
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

    requests, _ = _requests(instance, state_url, api)

    assert [len(_users(r)) for r in requests] == [25, 25, 10]
    assert sorted(u for r in requests for u in _users(r)) == USERS
    assert len({r.run_key for r in requests}) == 3
    assert all(r.tags["syncrag/trigger"] == "webhook" for r in requests)
    # A batch run's tags stay few (the UI lists them): its users are in its config only.
    assert all(len(r.tags) <= 4 for r in requests)


def test_the_batch_size_is_a_setting(
    instance: DagsterInstance, state_url: str, api: EmulatedSyncApi
) -> None:
    _news(state_url, USERS)

    requests, _ = _requests(instance, state_url, api, environ={"SYNCRAG_RUN_BATCH_USERS": "40"})

    assert [len(_users(r)) for r in requests] == [40, 20]


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

    assert [len(_users(r)) for r in second] == [25, 5]
    assert {r.run_key for r in first}.isdisjoint({r.run_key for r in second})
