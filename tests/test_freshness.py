"""The user_freshness sensor: a user whose latest pull is older than the limit gets a failed
`pulled_recently` result on its own partition, once per stale pull; users pulled within the
limit, or never, get nothing. Evaluated through Dagster's own tick evaluation."""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetCheckEvaluation,
    AssetMaterialization,
    DagsterInstance,
    SensorDefinition,
    build_sensor_context,
    instance_for_test,
)

from assets import FRESHNESS_CHECK, synced_records
from pipelines.definitions import build_definitions
from pipelines.freshness import SENSOR_NAME, build_freshness_sensor
from pipelines.partitions import USERS_PARTITIONS_NAME


def _pull(instance: DagsterInstance, user: str) -> None:
    instance.report_runless_asset_event(
        AssetMaterialization(asset_key=synced_records.key, partition=user)
    )


def _tick(
    sensor: SensorDefinition, instance: DagsterInstance, cursor: str | None
) -> tuple[list[AssetCheckEvaluation], str | None]:
    data = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=cursor))
    events = [e for e in data.asset_events if isinstance(e, AssetCheckEvaluation)]
    return events, data.cursor


def test_a_user_pulled_longer_ago_than_the_limit_fails_its_own_partition_once() -> None:
    sensor = build_freshness_sensor(timedelta(0))  # every pull is already too old
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "bob"])
        _pull(instance, "alice")

        events, cursor = _tick(sensor, instance, None)

        [stale] = events  # bob was never pulled: his partition shows that already
        assert (stale.asset_key, stale.check_name, stale.partition) == (
            synced_records.key,
            FRESHNESS_CHECK,
            "alice",
        )
        assert not stale.passed
        assert "SYNCRAG_STALE_AFTER_HOURS" in (stale.description or "")

        # Nothing new: no new event. A new pull that grows old: one more.
        assert _tick(sensor, instance, cursor)[0] == []
        _pull(instance, "alice")
        again, _ = _tick(sensor, instance, cursor)
        assert [e.partition for e in again] == ["alice"]


def test_users_pulled_within_the_limit_are_left_alone() -> None:
    sensor = build_freshness_sensor(timedelta(hours=2))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
        _pull(instance, "alice")

        assert _tick(sensor, instance, None)[0] == []


def test_the_code_location_runs_the_sensor_at_the_configured_limit() -> None:
    defs = build_definitions({"SYNCRAG_STALE_AFTER_HOURS": "6"})
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert "6 hours" in (sensor.description or "")
