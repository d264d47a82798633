"""Evaluating the `sync_webhooks` sensor as the daemon does: `evaluate_tick` on a context with the
code location and a Dagster instance that can be referenced, so that Dagster's own checks run
(a run request for a partition that neither exists nor is added in the same tick fails)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagster import (
    AddDynamicPartitionsRequest,
    DagsterInstance,
    RepositoryDefinition,
    RunRequest,
    build_sensor_context,
)

from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.sensors import SENSOR_NAME


@dataclass(frozen=True)
class Tick:
    """What one evaluated tick asks of the daemon."""

    requests: list[RunRequest]
    added: list[str]  # user partitions to add
    cursor: str | None
    skip_message: str | None

    @property
    def by_user(self) -> dict[str, RunRequest]:
        """The run requests by partition key; one per user."""
        by_user = {str(r.partition_key): r for r in self.requests}
        assert len(by_user) == len(self.requests), "one request per user"
        return by_user


def evaluate_sensor_tick(
    instance: DagsterInstance,
    repository: RepositoryDefinition,
    resources: Mapping[str, Any],
    cursor: str | None,
) -> Tick:
    """One tick of the sensor in `repository`; its partitions are then added, as by the daemon.

    The instance must be a persistent one (`instance_for_test`): Dagster checks a tick's
    partition keys through the instance's ref, which an ephemeral instance has not.
    """
    with build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        repository_def=repository,
        cursor=cursor,
        resources=resources,
    ) as context:
        data = repository.get_sensor_def(SENSOR_NAME).evaluate_tick(context)
    added: list[str] = []
    for request in data.dynamic_partitions_requests or []:
        assert isinstance(request, AddDynamicPartitionsRequest)
        assert request.partitions_def_name == USERS_PARTITIONS_NAME
        keys = list(request.partition_keys or [])
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, keys)
        added.extend(keys)
    return Tick(
        requests=list(data.run_requests or []),
        added=added,
        cursor=data.cursor,
        skip_message=data.skip_message,
    )
