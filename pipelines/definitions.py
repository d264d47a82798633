"""The syncrag code location: one `Definitions`, assembled from the settings in the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import Definitions

from assets import synced_records, vector_index
from pipelines.batch_job import ingest_users_job
from pipelines.dead_runs import build_dead_run_sensor
from pipelines.jobs import enable_sync_job, ingest_user_job
from pipelines.resources import build_resources
from pipelines.schedules import build_schedules
from pipelines.sensors import build_webhook_sensor
from pipelines.settings import Settings


def build_definitions(environ: Mapping[str, str] | None = None) -> Definitions:
    """Assets, jobs, schedules and resources, configured from `environ` (default: os.environ)."""
    settings = Settings.from_env(os.environ if environ is None else environ)
    return Definitions(
        assets=[synced_records, vector_index],
        jobs=[ingest_user_job, ingest_users_job, enable_sync_job],
        schedules=build_schedules(
            settings.incremental_poll_cron,
            settings.full_reconcile_cron,
            batch_users=settings.run_batch_users,
        ),
        sensors=[
            build_webhook_sensor(
                settings.sensor_interval_seconds,
                settings.inbox_retention_hours,
                batch_users=settings.run_batch_users,
            ),
            build_dead_run_sensor(),
        ],
        resources=build_resources(settings),
    )


defs = build_definitions()
