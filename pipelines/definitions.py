"""The syncrag code location: one `Definitions`, assembled from the settings in the environment."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from dagster import (
    AnchorBasedFilePathMapping,
    AssetsDefinition,
    BetaWarning,
    Definitions,
    link_code_references_to_git,
    with_source_code_references,
)

from assets import synced_records, vector_index, with_settings_attributes
from pipelines.batch_job import ingest_users_job
from pipelines.dead_runs import build_dead_run_sensor
from pipelines.freshness import build_freshness_sensor
from pipelines.jobs import enable_sync_job, ingest_user_job
from pipelines.resources import build_resources
from pipelines.schedules import build_schedules
from pipelines.sensors import build_webhook_sensor
from pipelines.settings import Settings


def build_definitions(environ: Mapping[str, str] | None = None) -> Definitions:
    """Assets, jobs, schedules and resources, configured from `environ` (default: os.environ)."""
    settings = Settings.from_env(os.environ if environ is None else environ)
    return Definitions(
        assets=_assets(settings),
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
            build_freshness_sensor(timedelta(hours=settings.stale_after_hours)),
        ],
        resources=build_resources(settings),
    )


# The folder the repository's paths start from: this file is pipelines/definitions.py.
_REPOSITORY_ROOT = Path(__file__).resolve().parents[1]


def _assets(settings: Settings) -> list[AssetsDefinition]:
    """The assets with their settings' attributes and code references: links to the repository
    when SYNCRAG_CODE_GIT_URL is set, else to the local source files.

    Code references are a beta feature of this Dagster version: its warnings are silenced here
    rather than printed by every command that loads the code location.
    """
    assets = with_settings_attributes(
        [synced_records, vector_index],
        embedding_backend=settings.embedding_backend,
        owners=settings.asset_owners,
        tags=settings.asset_tags,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        referenced = with_source_code_references(assets)
        if settings.code_git_url is not None:
            referenced = link_code_references_to_git(
                referenced,
                git_url=settings.code_git_url,
                git_branch=settings.code_git_branch,
                file_path_mapping=AnchorBasedFilePathMapping(
                    local_file_anchor=_REPOSITORY_ROOT, file_anchor_path_in_repository=""
                ),
            )
    # Dagster's helpers are typed for every kind of asset; these are all AssetsDefinitions.
    return [asset for asset in referenced if isinstance(asset, AssetsDefinition)]


defs = build_definitions()
