"""The schedules under the webhooks, evaluated as the daemon does (`evaluate_tick`): every known
user is covered by an incremental poll in batch runs of 50 users, the daily full reconcile asks
for the reconcile in its run config, and several users in one tick pass Dagster's own checks."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    DagsterInstance,
    RepositoryDefinition,
    RunRequest,
    build_schedule_context,
)

from pipelines.definitions import build_definitions
from pipelines.partitions import USERS_PARTITIONS_NAME
from tests.test_sensor_support import with_user_partitions

TICK = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
SCHEDULE_NAMES = ["incremental_poll", "full_reconcile"]


@pytest.fixture
def instance(shared_instance: DagsterInstance) -> DagsterInstance:
    """The module's instance with no user partitions yet."""
    return with_user_partitions(shared_instance, [])


@functools.cache
def _repository() -> RepositoryDefinition:
    """The code location as the daemon loads it (default settings)."""
    return build_definitions({}).get_repository_def()


def _tick(instance: DagsterInstance, name: str, when: datetime = TICK) -> list[RunRequest]:
    """The run requests of one tick, through Dagster's evaluation and its checks."""
    repository = _repository()
    with build_schedule_context(
        instance=instance, scheduled_execution_time=when, repository_def=repository
    ) as context:
        data = repository.get_schedule_def(name).evaluate_tick(context)
    assert data.skip_message is None or not data.run_requests
    return list(data.run_requests or [])


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_a_schedule_requests_nothing_before_any_user(instance: DagsterInstance, name: str) -> None:
    assert _tick(instance, name) == []


def _users(request: RunRequest) -> list[str]:
    """The users an `ingest_users` batch run covers."""
    assert request.job_name == "ingest_users"
    return list(request.run_config["ops"]["ingest_users_op"]["config"]["users"])


def _covered(requests: list[RunRequest]) -> list[str]:
    return sorted(user for r in requests for user in _users(r))


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_a_tick_with_several_users_passes_dagsters_checks(
    instance: DagsterInstance, name: str
) -> None:
    # Dagster refuses a tick of several requests unless each has a run key.
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, [f"user{i:02d}" for i in range(60)])

    requests = _tick(instance, name)

    assert _covered(requests) == [f"user{i:02d}" for i in range(60)]
    keys = [r.run_key for r in requests]
    assert None not in keys
    assert len(set(keys)) == len(requests)


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_runs_grow_with_users_divided_by_the_batch_size(
    instance: DagsterInstance, name: str
) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, [f"user{i:03d}" for i in range(101)])

    requests = _tick(instance, name)

    # The default batch is 50 users: 101 users need 3 runs, not 101.
    assert [len(_users(r)) for r in requests] == [50, 50, 1]


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_a_later_tick_gets_new_run_keys_for_the_same_users(
    instance: DagsterInstance, name: str
) -> None:
    # The daemon skips a request whose run key it has already launched: a key repeated by the
    # next tick would silently drop those users' poll or reconcile.
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "bob"])

    first = {r.run_key for r in _tick(instance, name, TICK)}
    second = {r.run_key for r in _tick(instance, name, TICK + timedelta(minutes=10))}

    assert len(first) == len(second) == 1
    assert first.isdisjoint(second)


def test_the_two_schedules_never_share_a_run_key(instance: DagsterInstance) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])

    poll = {r.run_key for r in _tick(instance, "incremental_poll")}
    reconcile = {r.run_key for r in _tick(instance, "full_reconcile")}

    assert poll.isdisjoint(reconcile)


def test_every_known_user_is_covered_by_each_schedule(instance: DagsterInstance) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "bob"])

    poll = _tick(instance, "incremental_poll")
    reconcile = _tick(instance, "full_reconcile")

    assert _covered(poll) == _covered(reconcile) == ["alice", "bob"]
    configs = [r.run_config["ops"]["ingest_users_op"]["config"] for r in poll + reconcile]
    assert [c["full_reconcile"] for c in configs] == [False, True]
    assert {r.tags["syncrag/trigger"] for r in poll} == {"incremental_poll"}
    assert {r.tags["syncrag/trigger"] for r in reconcile} == {"full_reconcile"}
