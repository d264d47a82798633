"""Asset `vector_index`: the user's points in Qdrant, exactly in step with the ledger."""

import time
from collections.abc import Callable
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.index_size import vector_index_size
from assets.partitions import user_check, users_partitions
from assets.run_guard import StepContext, one_ingest_per_user
from assets.synced_records import synced_records
from ingest import CollectionSwitch, Indexer, IndexReport, follow_collection
from ingest.consistency import check_user_index
from resources.embedder_resource import EmbedderResource
from resources.ingest_settings_resource import IngestSettingsResource
from resources.state_resource import StateResource
from resources.sync_api_resource import SyncApiResource
from resources.text import DocumentReader
from resources.vector_store_resource import VectorStoreResource

INDEX_CHECK = "index_matches_ledger"


@asset(
    partitions_def=users_partitions,
    deps=[synced_records],
    group_name="ingest",
    kinds={"qdrant", "onnx"},  # the default runtime; the definitions name the configured one
    description="Chunks of the user's records, embedded once and kept in Qdrant: pending records "
    "are indexed (only new chunk texts embedded), tombstoned ones purged; a new embedding model "
    "or runtime (its own collection) re-indexes the user's records into it.",
    check_specs=[
        user_check(
            INDEX_CHECK,
            asset="vector_index",
            description="Points per indexed record equal its chunk count; no points for purged or "
            "errored records; no points without a ledger row.",
        )
    ],
)
def vector_index(
    context: AssetExecutionContext,
    sync_api: SyncApiResource,
    state: StateResource,
    embedder: EmbedderResource,
    vector_store: VectorStoreResource,
    ingest_settings: IngestSettingsResource,
) -> MaterializeResult:
    return index_user_records(
        context,
        context.partition_key,
        sync_api=sync_api,
        state=state,
        embedder=embedder,
        vector_store=vector_store,
        ingest_settings=ingest_settings,
    )


def index_user_records(
    context: StepContext,
    user_id: str,
    *,
    sync_api: SyncApiResource,
    state: StateResource,
    embedder: EmbedderResource,
    vector_store: VectorStoreResource,
    ingest_settings: IngestSettingsResource,
    documents: DocumentReader | None = None,
    log_info: Callable[[str], None] | None = None,
) -> MaterializeResult:
    """One user's `vector_index`: the asset's body, also run per user by a batch run, which
    passes one extraction worker (`documents`) for all its users and may gather the summary
    (`log_info`) to log it with the user's other lines at once."""
    model = embedder.get_embedder()
    store = vector_store.get_store(model.model_name, model.dimension)
    ledger = state.get_store()
    with one_ingest_per_user(context, ledger, user_id):
        started = time.perf_counter()
        # A new model or runtime has a collection of its own: re-index the user's records into it.
        switch = follow_collection(ledger, store, user_id)
        if switch.switched:
            context.log.info(
                f"{store.collection_name} is configured but {user_id}'s records were indexed into "
                f"{switch.previous or 'an unrecorded collection'}: re-indexing "
                f"{switch.records_reindexed} records into it"
            )
        report = Indexer(
            client=sync_api.get_client(),
            state=ledger,
            chunker=embedder.get_chunker(),
            embedder=model,
            store=store,
            record_batch_size=ingest_settings.record_batch_size,
            limits=ingest_settings.extraction_limits(),
            documents=documents,
        ).index_user(user_id)
    seconds = time.perf_counter() - started
    for name, reason in report.errors:
        context.log.warning(f"could not index {name}: {reason}")

    consistency = check_user_index(ledger, store, user_id)
    size = vector_index_size(ledger, user_id, consistency.points)
    # One event for all stages: a batch run logs it for each of its users, and every event is a
    # write to Dagster's event log.
    (log_info or context.log.info)(
        "\n".join(
            [
                *_stage_lines(user_id, report, seconds),
                f"{user_id}: the index holds {consistency.points} points of "
                f"{size['ledger_indexed']} indexed records ({size['ledger_pending']} pending, "
                f"{size['ledger_errored']} errored)",
            ]
        )
    )
    return MaterializeResult(
        # The totals first: they hold whatever the run did; the run's deltas follow.
        metadata={**size, **_metadata(report, seconds, store.collection_name, switch)},
        check_results=[
            AssetCheckResult(
                check_name=INDEX_CHECK,
                passed=consistency.ok,
                severity=AssetCheckSeverity.ERROR,
                description=consistency.summary(),
                metadata={
                    "points": consistency.points,
                    "indexed_records": consistency.indexed_records,
                    "examples": MetadataValue.json(
                        consistency.wrong_point_counts
                        + consistency.points_of_removed_records
                        + consistency.orphan_points
                    ),
                },
            )
        ],
    )


def _stage_lines(user_id: str, report: IndexReport, seconds: float) -> list[str]:
    """One line per stage of the run, with its count and seconds."""
    return [
        f"{user_id}: read {report.records_indexed + report.records_errored} records "
        f"in {report.seconds_reading:.2f} s ({report.records_errored} errored, "
        f"{report.records_deferred} deferred)",
        f"{user_id}: embedded {report.chunks_embedded} chunks in "
        f"{report.seconds_embedding:.2f} s ({report.chunks_reused} reused)",
        f"{user_id}: wrote {report.points_upserted} points and deleted {report.points_deleted} "
        f"in {report.seconds_storing:.2f} s",
        f"{user_id}: indexed {report.records_indexed} records, purged {report.records_purged}, "
        f"in {seconds:.2f} s",
    ]


def _metadata(
    report: IndexReport, seconds: float, collection: str, switch: CollectionSwitch
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "records_reindexed_for_new_collection": switch.records_reindexed,
        "records_indexed": report.records_indexed,
        "records_errored": report.records_errored,
        "records_deferred": report.records_deferred,
        "records_deferred_by_reason": MetadataValue.json(report.deferred_reasons),
        "records_superseded": report.records_superseded,
        # Still pending after the run: deferred ones, and those that changed while indexed.
        "records_left_pending": report.records_deferred + report.records_superseded,
        "records_purged": report.records_purged,
        "chunks_total": report.chunks_total,
        "chunks_embedded": report.chunks_embedded,
        "chunks_reused": report.chunks_reused,
        "points_upserted": report.points_upserted,
        "points_deleted": report.points_deleted,
        "payloads_refreshed": report.payloads_refreshed,
        "records_with_readers": report.records_with_readers,
        "readers_lookups_failed": report.readers_lookups_failed,
        "seconds_reading": round(report.seconds_reading, 3),
        "seconds_embedding": round(report.seconds_embedding, 3),
        "seconds_storing": round(report.seconds_storing, 3),
        "seconds_total": round(seconds, 3),
        "collection": collection,
    }
    if switch.switched:
        metadata["previous_collection"] = switch.previous or "(not recorded)"
    if switch.stale_points_deleted:
        metadata["stale_points_deleted_from_collection"] = switch.stale_points_deleted

    def _records(count: int) -> str:
        return f"{count} record{'' if count == 1 else 's'}"

    left_pending = [
        f"{_records(count)} deferred: {reason} (will retry next run)"
        for reason, count in sorted(report.deferred_reasons.items())
    ]
    if report.records_superseded:
        left_pending.append(
            f"{_records(report.records_superseded)} changed while being indexed "
            "(the newer version is indexed next run)"
        )
    if left_pending:
        metadata["left_pending"] = MetadataValue.json(left_pending)
    if report.errors:
        metadata["errors"] = MetadataValue.md(
            "\n".join(f"- **{name}**: {reason}" for name, reason in report.errors)
        )
    return metadata
