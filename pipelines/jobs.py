"""Jobs: ingest one user (both assets of a partition) and enable a sync from the UI."""

import json

from dagster import (
    AssetSelection,
    Config,
    OpExecutionContext,
    define_asset_job,
    in_process_executor,
    job,
    op,
)
from pydantic import Field

from assets import synced_records, vector_index
from ingest.enable import enable_user_sync
from pipelines.partitions import USERS_PARTITIONS_NAME
from resources.state_resource import StateResource
from resources.sync_api_resource import SyncApiResource

INGEST_JOB_NAME = "ingest_user"
# The run config of an `ingest_user` run that re-lists every sync (see SyncedRecordsConfig).
FULL_RECONCILE_RUN_CONFIG = {"ops": {"synced_records": {"config": {"full_reconcile": True}}}}

ingest_user_job = define_asset_job(
    INGEST_JOB_NAME,
    selection=AssetSelection.assets(synced_records, vector_index),
    # Both steps in the run's own process: no extra interpreter start and model load per step,
    # which is most of a webhook-triggered run's latency.
    executor_def=in_process_executor,
    description="Pull a user's changes into the ledger, then bring the user's points in step.",
)


class EnableSyncConfig(Config):
    """Which sync to enable, for whom."""

    user_id: str = Field(description="Your app's user id (the Paragon Connected User).")
    integration: str = Field(description="e.g. googledrive, sharepoint, box, hubspot, jira.")
    pipeline: str = Field(default="files", description="files, contacts, tickets, ...")
    configuration_name: str | None = Field(
        default=None, description="Unique name when a user has several syncs of one integration."
    )
    configuration_json: str = Field(
        default="{}", description="Integration-specific configuration, as a JSON object."
    )


@op(description="Enable the sync through the Sync API and add the user's partition.")
def enable_sync_op(
    context: OpExecutionContext,
    config: EnableSyncConfig,
    sync_api: SyncApiResource,
    state: StateResource,
) -> None:
    try:
        configuration = json.loads(config.configuration_json)
    except json.JSONDecodeError as exc:
        raise ValueError(f"configuration_json is not valid JSON: {exc.msg}") from None
    if not isinstance(configuration, dict):
        raise ValueError("configuration_json must be a JSON object.")
    sync = enable_user_sync(
        sync_api.get_client(),
        state.get_store(),
        user_id=config.user_id,
        integration=config.integration,
        pipeline=config.pipeline,
        configuration=configuration,
        configuration_name=config.configuration_name,
    )
    context.instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, [config.user_id])
    context.log.info(
        f"sync {sync.id} ({sync.integration}/{sync.pipeline}) for {config.user_id}: "
        f"{sync.status.value}"
    )


@job(name="enable_sync", description="Enable a sync for a user and add the user's partition.")
def enable_sync_job() -> None:
    enable_sync_op()
