"""Sensor `user_freshness`: a user not pulled for SYNCRAG_STALE_AFTER_HOURS shows as stale, as a
failed `pulled_recently` check on its partition of `synced_records`.

Why a sensor and not Dagster's freshness policies or `build_last_update_freshness_checks`: in
this Dagster version both judge an asset by its latest materialization of any partition, so one
user pulled a minute ago would hide a thousand users not pulled for days. Every pull passes the
check (assets/synced_records.py); this sensor reports the failure when a user's latest
materialization grows older than the limit, once per stale pull, so ticks add no events while
nothing changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from assets import FRESHNESS_CHECK, synced_records
from pipelines.partitions import USERS_PARTITIONS_NAME

SENSOR_NAME = "user_freshness"
DEFAULT_INTERVAL_SECONDS = 300


def last_pulls(instance: DagsterInstance) -> dict[str, float]:
    """user -> timestamp of its partition's latest `synced_records` materialization."""
    storage_ids = instance.get_latest_storage_id_by_partition(
        synced_records.key, DagsterEventType.ASSET_MATERIALIZATION
    )
    if not storage_ids:
        return {}
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=synced_records.key, storage_ids=list(storage_ids.values())),
        limit=len(storage_ids),
    ).records
    return {r.partition_key: r.timestamp for r in records if r.partition_key is not None}


def stale_users(
    users: Sequence[str], pulled: Mapping[str, float], now: float, stale_after: timedelta
) -> dict[str, float]:
    """user -> last pull, for the users pulled longer than `stale_after` ago. A user never
    pulled is left out: its partition shows as never materialized already."""
    limit = stale_after.total_seconds()
    return {u: pulled[u] for u in users if u in pulled and now - pulled[u] > limit}


def build_freshness_sensor(
    stale_after: timedelta, minimum_interval_seconds: int = DEFAULT_INTERVAL_SECONDS
) -> SensorDefinition:
    """The sensor, failing `pulled_recently` for users not pulled within `stale_after`."""
    hours = stale_after.total_seconds() / 3600

    @sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Fails the check {FRESHNESS_CHECK} of users not pulled for {hours:g} hours "
        "(SYNCRAG_STALE_AFTER_HOURS).",
    )
    def user_freshness(context: SensorEvaluationContext) -> SensorResult:
        users = context.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME)
        stale = stale_users(users, last_pulls(context.instance), time.time(), stale_after)
        # The cursor holds, per stale user, the pull already reported stale.
        reported: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
        events = [
            AssetCheckEvaluation(
                asset_key=synced_records.key,
                check_name=FRESHNESS_CHECK,
                passed=False,
                severity=AssetCheckSeverity.WARN,
                partition=user,
                description=f"{user} was last pulled {_ago(time.time() - pulled_at)} ago, "
                f"past the {hours:g} hours of SYNCRAG_STALE_AFTER_HOURS",
                metadata={
                    "last_pulled": datetime.fromtimestamp(pulled_at, UTC).isoformat(),
                    "stale_after_hours": hours,
                },
            )
            for user, pulled_at in sorted(stale.items())
            if reported.get(user) != pulled_at
        ]
        if events:
            context.log.info(
                f"{len(events)} users newly stale: {', '.join(e.partition or '' for e in events)}"
            )
        return SensorResult(asset_events=events, cursor=json.dumps(stale, sort_keys=True))

    return user_freshness


def _ago(seconds: float) -> str:
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:.0f} days"
