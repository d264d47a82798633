"""Asset `synced_records`: the ledger of a user's records, pulled after each sync's cursor."""

import time
from collections.abc import Callable
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from assets.index_size import synced_records_size
from assets.partitions import user_check, users_partitions
from assets.run_guard import StepContext, one_ingest_per_user
from ingest import (
    PullReport,
    ReconcileReport,
    SyncPullReport,
    pull_user,
    reconcile_sync,
    refresh_syncs,
)
from resources.ingest_settings_resource import IngestSettingsResource
from resources.state_resource import StateResource
from resources.sync_api_resource import SyncApiResource

SYNC_HEALTH_CHECK = "syncs_healthy"
# Passes with every pull; the `user_freshness` sensor fails it for a user not pulled for
# SYNCRAG_STALE_AFTER_HOURS (pipelines/freshness.py).
FRESHNESS_CHECK = "pulled_recently"
RETRY_ERRORED_HELP = (
    "Try the user's errored records again (after a fix or a raised limit); otherwise an errored "
    "record is tried again only when its version changes."
)


class SyncedRecordsConfig(Config):
    """Run options for `synced_records`."""

    full_reconcile: bool = Field(
        default=False,
        description="Re-list every sync from the start and tombstone records the listing lacks.",
    )
    retry_errored: bool = Field(
        default=False,
        description=RETRY_ERRORED_HELP,
    )


@asset(
    partitions_def=users_partitions,
    group_name="ingest",
    kinds={"python", "sql"},
    description="Ledger rows of the user's synced records and each sync's cursor, pulled page by "
    "page from the Sync API (rows and cursor commit together).",
    check_specs=[
        user_check(
            SYNC_HEALTH_CHECK,
            asset="synced_records",
            description="No sync of this user is ERRORED (per sync_errored webhook or the API).",
        ),
        user_check(
            FRESHNESS_CHECK,
            asset="synced_records",
            description="The user was pulled within SYNCRAG_STALE_AFTER_HOURS: passes with each "
            "pull, fails (a warning) when the user_freshness sensor finds the last pull older.",
        ),
    ],
)
def synced_records(
    context: AssetExecutionContext,
    config: SyncedRecordsConfig,
    sync_api: SyncApiResource,
    state: StateResource,
    ingest_settings: IngestSettingsResource,
) -> MaterializeResult:
    return pull_user_records(
        context,
        context.partition_key,
        sync_api=sync_api,
        state=state,
        ingest_settings=ingest_settings,
        full_reconcile=config.full_reconcile,
        retry_errored=config.retry_errored,
    )


def pull_user_records(
    context: StepContext,
    user_id: str,
    *,
    sync_api: SyncApiResource,
    state: StateResource,
    ingest_settings: IngestSettingsResource,
    full_reconcile: bool = False,
    retry_errored: bool = False,
    log_info: Callable[[str], None] | None = None,
) -> MaterializeResult:
    """One user's `synced_records`: the asset's body, also run per user by a batch run, which
    may gather the summary line (`log_info`) to log it with the user's other lines at once."""
    client = sync_api.get_client()
    store = state.get_store()
    with one_ingest_per_user(context, store, user_id):
        started = time.perf_counter()
        retried = store.reopen_errored(user_id) if retry_errored else 0
        reconciled: list[ReconcileReport] = []
        if full_reconcile:
            for sync in refresh_syncs(client, store, user_id):
                if sync.status.upper() in ("IDLE", "ACTIVE"):
                    reconciled.append(
                        reconcile_sync(
                            client,
                            store,
                            sync,
                            max_delete_share=ingest_settings.reconcile_max_delete_share,
                            page_size=max(ingest_settings.page_size, 1000),
                        )
                    )
        # Said before the pull, which may fail on the same broken feed and end the step.
        for rec in reconciled:
            if rec.refused_reason:
                context.log.warning(f"reconcile of sync {rec.sync_id}: {rec.refused_reason}")
        report = pull_user(client, store, user_id, page_size=ingest_settings.page_size)
    seconds = time.perf_counter() - started

    for sync in report.syncs:
        if sync.skipped_reason:
            context.log.info(f"sync {sync.integration}/{sync.pipeline}: {sync.skipped_reason}")
        if sync.incomplete_reason:
            context.log.warning(
                f"sync {sync.integration}/{sync.pipeline} ({sync.sync_id}): "
                f"{sync.incomplete_reason}"
            )

    size = synced_records_size(store, user_id)
    retry_note = f", {retried} errored to try again" if retry_errored else ""
    (log_info or context.log.info)(
        f"{user_id}: pulled {report.total('pages')} pages in {seconds:.2f} s: "
        f"{report.total('new')} new, {report.total('updated')} updated, "
        f"{report.total('unchanged')} unchanged, {report.total('deleted')} deleted{retry_note}; "
        f"the ledger holds {size['dagster/row_count']} records "
        f"({size['ledger_indexed']} indexed, {size['ledger_pending']} pending, "
        f"{size['ledger_errored']} errored)"
    )
    errored = [s for s in report.syncs if s.status.upper() == "ERRORED"]
    return MaterializeResult(
        # The totals first: they hold whatever the run did; the run's deltas follow.
        metadata={**size, **_metadata(report, reconciled, seconds), "records_retried": retried},
        check_results=[
            AssetCheckResult(
                check_name=SYNC_HEALTH_CHECK,
                passed=bool(report.syncs) and not errored,
                severity=AssetCheckSeverity.ERROR,
                description=_health(user_id, report, errored),
                metadata={"syncs": len(report.syncs), "errored_syncs": len(errored)},
            ),
            AssetCheckResult(
                check_name=FRESHNESS_CHECK,
                passed=True,
                severity=AssetCheckSeverity.WARN,
                description=f"{user_id} pulled now ({report.total('pages')} pages in "
                f"{seconds:.1f} s)",
            ),
        ],
    )


def _health(user_id: str, report: PullReport, errored: list[SyncPullReport]) -> str:
    if not report.syncs:
        # A partition added by hand (the UI, `syncrag ingest --user`) for a user without a sync.
        return (
            f"{user_id} has no sync at the Sync API: enable one (syncrag enable --user "
            f"{user_id} --integration ...) or delete the partition."
        )
    return (
        "; ".join(f"{s.integration}/{s.pipeline}: {s.skipped_reason}" for s in errored)
        or "all syncs healthy"
    )


def _metadata(
    report: PullReport, reconciled: list[ReconcileReport], seconds: float
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "records_new": report.total("new"),
        "records_updated": report.total("updated"),
        "records_unchanged": report.total("unchanged"),
        # Every way a record was found gone: the feed's tombstones, confirmed record_deleted
        # hints and the reconcile's listing.
        "records_deleted": report.total("deleted")
        + report.deletion_hints_confirmed
        + sum(r.tombstoned for r in reconciled),
        "pages": report.total("pages"),
        "deletion_hints_confirmed": report.deletion_hints_confirmed,
        "deletion_hints_rejected": report.deletion_hints_rejected,
        "listing_complete": report.listing_complete and all(r.listing_complete for r in reconciled),
        "records_missing_from_listing": report.total("records_missing"),
        "syncs": MetadataValue.md(_syncs_table(report)),
        "seconds_pulling": round(seconds, 3),
    }
    incomplete = [
        f"{s.integration}/{s.pipeline}: {s.incomplete_reason}"
        for s in report.syncs
        if s.incomplete_reason
    ] + [
        f"reconcile of {r.sync_id}: {r.refused_reason}"
        for r in reconciled
        if not r.listing_complete and r.refused_reason
    ]
    if incomplete:
        metadata["listing_incomplete"] = MetadataValue.json(incomplete)
    if reconciled:
        metadata["reconcile"] = MetadataValue.md(_reconcile_table(reconciled))
        metadata["reconcile_refused"] = sum(1 for r in reconciled if r.refused_reason)
    return metadata


def _syncs_table(report: PullReport) -> str:
    rows = [
        "| sync | status | new | updated | unchanged | deleted | cursor | note |",
        "|" + "---|" * 8,
    ]
    for s in report.syncs:
        note = s.skipped_reason or s.incomplete_reason or ""
        rows.append(
            f"| {s.integration}/{s.pipeline} | {s.status} | {s.new} | {s.updated} | {s.unchanged} "
            f"| {s.deleted} | `{s.cursor or '-'}` | {note} |"
        )
    return "\n".join(rows)


def _reconcile_table(reconciled: list[ReconcileReport]) -> str:
    rows = ["| sync | listed | known | absent | tombstoned | refused |", "|" + "---|" * 6]
    for r in reconciled:
        rows.append(
            f"| {r.sync_id} | {r.listed} | {r.known} | {r.absent} | {r.tombstoned} "
            f"| {r.refused_reason or ''} |"
        )
    return "\n".join(rows)
