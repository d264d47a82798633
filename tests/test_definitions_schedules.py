"""The schedules under the webhooks: every known user gets an incremental poll, and the daily
full reconcile asks for the reconcile in its run config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dagster import DagsterInstance, RunRequest, build_schedule_context, instance_for_test

from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.schedules import FULL_RECONCILE_RUN_CONFIG, build_schedules


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


def _requests(instance: DagsterInstance, name: str) -> list[RunRequest]:
    [schedule] = [s for s in build_schedules("*/10 * * * *", "0 3 * * *") if s.name == name]
    with build_schedule_context(instance=instance) as context:
        requests = schedule(context)
    assert isinstance(requests, list)
    return [r for r in requests if isinstance(r, RunRequest)]


def test_schedules_request_nothing_before_any_user(instance: DagsterInstance) -> None:
    assert _requests(instance, "incremental_poll") == []
    assert _requests(instance, "full_reconcile") == []


def test_every_known_user_gets_one_run_of_each_schedule(instance: DagsterInstance) -> None:
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "bob"])

    poll = _requests(instance, "incremental_poll")
    reconcile = _requests(instance, "full_reconcile")

    assert sorted(r.partition_key or "" for r in poll) == ["alice", "bob"]
    assert sorted(r.partition_key or "" for r in reconcile) == ["alice", "bob"]
    assert all(not r.run_config for r in poll)
    assert all(r.run_config == FULL_RECONCILE_RUN_CONFIG for r in reconcile)
    assert {r.tags["syncrag/trigger"] for r in poll} == {"incremental_poll"}
    assert {r.tags["syncrag/trigger"] for r in reconcile} == {"full_reconcile"}
