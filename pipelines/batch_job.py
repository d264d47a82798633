"""Job `ingest_users`: many users' ingest in one run, each user still its own partition.

A run per user costs a process start, imports, a model load and Dagster's run set-up, seconds of
fixed cost for what is often one changed file. A batch run pays that once for up to
SYNCRAG_RUN_BATCH_USERS users: for each user, one after another, it runs the same code as the
`synced_records` and `vector_index` assets and reports each result as that user's partition's
materialization and check evaluations, with that user's own metadata. One user's failure (its
records errored, or its whole ingest raising) does not stop the others; the run fails at the end
naming the users that failed. Why this and not Dagster's ranged runs: see docs/design.md.

A user's events follow its points: the run reports the users it has done every
REPORT_INTERVAL_S and at its end, so that a user of a burst is searchable without waiting for
the events of the users before it. A run killed in between loses those users' events, not their
ingest: the ledger holds it, and the user's next run reports the partition again.
"""

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    AssetMaterialization,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    OpExecutionContext,
    in_process_executor,
    job,
    op,
)
from pydantic import Field

from assets import index_user_records, pull_user_records, synced_records, vector_index
from assets.synced_records import RETRY_ERRORED_HELP
from resources.embedder_resource import EmbedderResource
from resources.ingest_settings_resource import IngestSettingsResource
from resources.state_resource import StateResource
from resources.sync_api import SyncApiAuthError, SyncApiConfigError
from resources.sync_api_resource import SyncApiResource
from resources.text import ExtractionWorker, WorkerUnavailableError
from resources.vector_store_resource import VectorStoreResource

BATCH_JOB_NAME = "ingest_users"
# How long a batch run's users' events may wait behind their points. Each event is a write to
# Dagster's storage (about 30 ms of CPU on SQLite, 6 a user); written between users, they were
# 60% of a burst's run, and the 25th user of a batch waited for the 144 events before it. A long
# run (an initial ingest) still shows its users' partitions within about this much of their end.
REPORT_INTERVAL_S = 30.0
# Failures that are no user's own: every other user of the batch would fail the same way.
_SHARED_FAILURES = (SyncApiAuthError, SyncApiConfigError, WorkerUnavailableError)


class IngestUsersConfig(Config):
    """Which users a batch run ingests."""

    users: list[str] = Field(description="User ids (partitions), ingested one after another.")
    full_reconcile: bool = Field(
        default=False,
        description="Re-list every sync from the start and tombstone records the listing lacks.",
    )
    retry_errored: bool = Field(default=False, description=RETRY_ERRORED_HELP)


@op(
    description="For each user: pull changes into the ledger, then bring its points in step.",
    out={},  # it yields events only: each user's materializations and check evaluations
)
def ingest_users_op(
    context: OpExecutionContext,
    config: IngestUsersConfig,
    sync_api: SyncApiResource,
    state: StateResource,
    embedder: EmbedderResource,
    vector_store: VectorStoreResource,
    ingest_settings: IngestSettingsResource,
) -> Iterator[AssetMaterialization | AssetCheckEvaluation]:
    # Events are yielded, not logged: Dagster keeps logged events only if the op succeeds, and
    # the users done before a failure must keep theirs.
    failed: dict[str, str] = {}
    context.log.info(f"ingesting {len(config.users)} users: {', '.join(config.users)}")
    # Each user is searchable once its points are written; its events (log lines,
    # materializations, check evaluations) wait for the next report, so that a burst's users do
    # not each wait for the events of all those before them.
    pending: list[_UserReport] = []
    reported_at = time.monotonic()
    # One extraction process for the whole batch, started by the first file to read.
    with ExtractionWorker(ingest_settings.extraction_limits()) as documents:
        for user in config.users:
            report = _UserReport()
            pending.append(report)
            try:
                pulled = pull_user_records(
                    context,
                    user,
                    sync_api=sync_api,
                    state=state,
                    ingest_settings=ingest_settings,
                    full_reconcile=config.full_reconcile,
                    retry_errored=config.retry_errored,
                    log_info=report.lines.append,
                )
                report.events += _partition_events(synced_records.key, user, pulled)
                indexed = index_user_records(
                    context,
                    user,
                    sync_api=sync_api,
                    state=state,
                    embedder=embedder,
                    vector_store=vector_store,
                    ingest_settings=ingest_settings,
                    documents=documents,
                    log_info=report.lines.append,
                )
                report.events += _partition_events(vector_index.key, user, indexed)
            except _SHARED_FAILURES:
                yield from _report(context, pending)
                raise
            except Exception as exc:  # this user's failure; the batch goes on with the next
                failed[user] = f"{type(exc).__name__}: {exc}"
                context.log.error(f"ingest of {user} failed: {failed[user]}")
            if time.monotonic() - reported_at >= REPORT_INTERVAL_S:
                yield from _report(context, pending)
                reported_at = time.monotonic()
    yield from _report(context, pending)
    if failed:
        raise Failure(
            description=f"{len(failed)} of {len(config.users)} users failed: "
            + ", ".join(sorted(failed)),
            metadata={"failed_users": MetadataValue.json(failed)},
        )


@dataclass
class _UserReport:
    """What a batch run has to report of one user: its summary lines and its partition events."""

    lines: list[str] = field(default_factory=list[str])
    events: list[AssetMaterialization | AssetCheckEvaluation] = field(
        default_factory=list[AssetMaterialization | AssetCheckEvaluation]
    )


def _report(
    context: OpExecutionContext, pending: list[_UserReport]
) -> Iterator[AssetMaterialization | AssetCheckEvaluation]:
    """The pending users' events, in their order: each user's lines as one log event (each
    event is a write to Dagster's event log), then its materializations and checks."""
    while pending:
        report = pending.pop(0)
        if report.lines:
            context.log.info("\n".join(report.lines))
        yield from report.events


def _partition_events(
    asset_key: AssetKey, user: str, result: MaterializeResult
) -> Iterator[AssetMaterialization | AssetCheckEvaluation]:
    """The user's result as its partition's materialization and check evaluations."""
    yield AssetMaterialization(asset_key=asset_key, partition=user, metadata=result.metadata)
    for check in result.check_results or ():
        yield AssetCheckEvaluation(
            asset_key=asset_key,
            check_name=check.check_name or "",
            passed=check.passed,
            metadata=check.metadata,
            severity=check.severity,
            description=check.description,
            partition=user,
        )


@job(
    name=BATCH_JOB_NAME,
    # One process for the whole batch: the point of a batch is paying start-up once.
    executor_def=in_process_executor,
    description="Ingest several users in one run; each user's results are its own partition's.",
)
def ingest_users_job() -> None:
    ingest_users_op()


def batch_run_config(users: list[str], *, full_reconcile: bool = False) -> dict[str, object]:
    """The run config of an `ingest_users` run over `users`."""
    return {
        "ops": {"ingest_users_op": {"config": {"users": users, "full_reconcile": full_reconcile}}}
    }


def batch_users(run_config: Mapping[str, Any]) -> list[str]:
    """The users an `ingest_users` run's config names ([] for any other run config)."""
    users = run_config.get("ops", {}).get("ingest_users_op", {}).get("config", {}).get("users")
    return [u for u in users if isinstance(u, str)] if isinstance(users, list) else []
