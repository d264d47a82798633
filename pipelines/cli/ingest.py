"""`syncrag ingest`: materializes users' partitions in this process, on the Dagster instance."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagster import DagsterInstance

from pipelines.cli import runtime
from pipelines.definitions import build_definitions
from pipelines.jobs import INGEST_JOB_NAME
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.schedules import FULL_RECONCILE_RUN_CONFIG

# The run's events still reach the instance (and the UI); the terminal only gets warnings.
QUIET_CONSOLE: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class UserRunSummary:
    """The headline numbers of one user's ingest run."""

    user_id: str
    success: bool
    records: dict[str, Any] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)
    checks_passed: bool = True


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("ingest", help="materialize users' partitions now")
    parser.add_argument("--user", action="append", help="a user (repeatable); default: all users")
    parser.add_argument(
        "--full-reconcile", action="store_true", help="re-list every sync and remove what vanished"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    runtime.ensure_dagster_home()
    with DagsterInstance.get() as instance:
        users = args.user or instance.get_dynamic_partitions(USERS_PARTITIONS_NAME)
        if not users:
            print("No users yet: enable a sync first (syncrag enable --user U --integration I).")
            return 1
        summaries = ingest_users(
            instance,
            users,
            full_reconcile=args.full_reconcile,
            on_done=lambda s: print(_line(s)),
        )
    return 0 if all(s.success and s.checks_passed for s in summaries) else 1


def ingest_users(
    instance: DagsterInstance,
    users: Sequence[str],
    *,
    full_reconcile: bool = False,
    on_start: Callable[[str], None] | None = None,
    on_done: Callable[[UserRunSummary], None] | None = None,
) -> list[UserRunSummary]:
    """Runs the ingest job for each user's partition, one after another, and summarises each run."""
    job = build_definitions().resolve_job_def(INGEST_JOB_NAME)
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, list(users))
    summaries: list[UserRunSummary] = []
    for user in users:
        if on_start:
            on_start(user)
        result = job.execute_in_process(
            instance=instance,
            partition_key=user,
            run_config={**QUIET_CONSOLE, **(FULL_RECONCILE_RUN_CONFIG if full_reconcile else {})},
            tags={"syncrag/trigger": "cli"},
            raise_on_error=False,
        )
        summary = UserRunSummary(user_id=user, success=result.success)
        for node, target in (("synced_records", summary.records), ("vector_index", summary.index)):
            if result.success:
                for materialization in result.asset_materializations_for_node(node):
                    target.update({k: v.value for k, v in materialization.metadata.items()})
        evaluations = [
            e.event_specific_data
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
        summary.checks_passed = all(getattr(e, "passed", True) for e in evaluations)
        summaries.append(summary)
        if on_done:
            on_done(summary)
    return summaries


def _line(s: UserRunSummary) -> str:
    if not s.success:
        return f"{s.user_id}: run failed (see the Dagster UI or run with -v)"
    return (
        f"{s.user_id}: {s.records.get('records_new', 0)} new, "
        f"{s.records.get('records_updated', 0)} updated, "
        f"{s.records.get('records_deleted', 0)} deleted; "
        f"{s.index.get('records_indexed', 0)} indexed, "
        f"{s.index.get('records_errored', 0)} errored, "
        f"{s.index.get('chunks_embedded', 0)} chunks embedded, "
        f"{s.index.get('chunks_reused', 0)} reused"
        + ("" if s.checks_passed else "  [index check FAILED]")
    )
