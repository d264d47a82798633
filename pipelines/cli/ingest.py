"""`syncrag ingest`: materializes users' partitions in this process, on the Dagster instance."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any

from dagster import DagsterInstance, ExecuteInProcessResult
from dagster_shared.error import SerializableErrorInfo
from rich.console import Console

from pipelines.cli import runtime
from pipelines.cli.progress import progress_bar, user_progress
from pipelines.dead_runs import fail_dead_runs
from pipelines.jobs import INGEST_JOB_NAME
from pipelines.partitions import USERS_PARTITIONS_NAME

# The run's events still reach the instance (and the UI). The terminal gets none of Dagster's
# console lines (a failed step is two stack traces there): the summary says why a run failed, and
# repeats the run's warnings. With -v the console shows warnings and errors, stack traces too.
QUIET_CONSOLE: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
VERBOSE_CONSOLE: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class UserRunSummary:
    """The headline numbers of one user's ingest run."""

    user_id: str
    success: bool
    records: dict[str, Any] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)
    checks_passed: bool = True
    # Why the run failed, in the words of the error that ended it (None: it did not fail).
    failure: str | None = None
    # What the run logged at warning level (e.g. a file it could not index), when the console
    # did not show it.
    warnings: list[str] = field(default_factory=list)

    @property
    def listing_complete(self) -> bool:
        """False when the pull may have left records out (the run is then not complete)."""
        return bool(self.records.get("listing_complete", True))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("ingest", help="materialize users' partitions now")
    parser.add_argument("--user", action="append", help="a user (repeatable); default: all users")
    parser.add_argument(
        "--full-reconcile", action="store_true", help="re-list every sync and remove what vanished"
    )
    parser.add_argument(
        "--retry-errored",
        action="store_true",
        help="try the users' errored records again (after a fix or a raised limit); otherwise "
        "an errored record is tried again only when it changes",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    runtime.ensure_dagster_home()
    # Progress goes to a terminal only: piped or captured output gets the summaries alone.
    terminal = Console(stderr=True)
    with DagsterInstance.get() as instance, ExitStack() as stack:
        users = args.user or instance.get_dynamic_partitions(USERS_PARTITIONS_NAME)
        if not users:
            print("No users yet: enable a sync first (syncrag enable --user U --integration I).")
            return 1
        around = None
        if terminal.is_terminal:
            store = runtime.state_store()
            stack.callback(store.close)
            progress = stack.enter_context(progress_bar(terminal, transient=True))
            around = lambda user: user_progress(progress, store, user)  # noqa: E731
        summaries = ingest_users(
            instance,
            users,
            full_reconcile=args.full_reconcile,
            retry_errored=args.retry_errored,
            on_done=lambda s: print("\n".join(_lines(s))),
            around=around,
            verbose=args.verbose,
        )
    complete = all(s.success and s.checks_passed and s.listing_complete for s in summaries)
    return 0 if complete else 1


def ingest_users(
    instance: DagsterInstance,
    users: Sequence[str],
    *,
    full_reconcile: bool = False,
    retry_errored: bool = False,
    on_start: Callable[[str], None] | None = None,
    on_done: Callable[[UserRunSummary], None] | None = None,
    around: Callable[[str], AbstractContextManager[object]] | None = None,
    verbose: bool = False,
) -> list[UserRunSummary]:
    """Runs the ingest job for each user's partition, one after another, and summarises each run.

    `around(user)` is entered for the length of each user's run (e.g. to show its progress).
    Dagster's console shows the runs' warnings and errors only when `verbose`."""
    # Imported here: the module builds its Definitions from the settings as it is imported, and a
    # bad setting must not stop `syncrag --help` (main turns its SettingsError into one line).
    from pipelines.definitions import build_definitions

    job = build_definitions().resolve_job_def(INGEST_JOB_NAME)
    # Runs of this host killed earlier (kill -9, OOM) would otherwise stay STARTED forever.
    fail_dead_runs(instance)
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, list(users))
    summaries: list[UserRunSummary] = []
    for user in users:
        if on_start:
            on_start(user)
        with around(user) if around else nullcontext():
            result = job.execute_in_process(
                instance=instance,
                partition_key=user,
                run_config={
                    **(VERBOSE_CONSOLE if verbose else QUIET_CONSOLE),
                    **_pull_config(full_reconcile=full_reconcile, retry_errored=retry_errored),
                },
                tags={"syncrag/trigger": "cli"},
                raise_on_error=False,
            )
        summary = UserRunSummary(
            user_id=user,
            success=result.success,
            failure=_failure_reason(result),
            warnings=[] if verbose else _warnings(instance, result.run_id),
        )
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


def _failure_reason(result: ExecuteInProcessResult) -> str | None:
    """The message of the exception that failed the run (its first failed step, or a resource
    that could not start), without its type."""
    for event in result.all_events:
        if event.event_type_value in _FAILURES:
            error = getattr(event.event_specific_data, "error", None)
            if isinstance(error, SerializableErrorInfo):
                return _message(error)
    return None


_FAILURES = ("STEP_FAILURE", "RESOURCE_INIT_FAILURE")


def _message(error: SerializableErrorInfo) -> str:
    """The message of the first exception in the chain that is not Dagster's wrapper: the one
    the asset or resource raised (the causes below it, e.g. httpx's, say less)."""
    while (error.cls_name or "").startswith("Dagster") and error.cause is not None:
        error = error.cause
    message = error.message.strip()
    prefix, sep, rest = message.partition(": ")
    if sep and error.cls_name and prefix.endswith(error.cls_name):
        return rest
    return message


def _warnings(instance: DagsterInstance, run_id: str) -> list[str]:
    """What the run's code logged at warning level, in order."""
    return [
        entry.user_message
        for entry in instance.all_logs(run_id)
        if not entry.is_dagster_event and entry.level == logging.WARNING
    ]


def _pull_config(*, full_reconcile: bool, retry_errored: bool) -> dict[str, Any]:
    """The run config of the pull step (`synced_records`) for the options given."""
    options = {"full_reconcile": full_reconcile, "retry_errored": retry_errored}
    chosen = {name: True for name, wanted in options.items() if wanted}
    return {"ops": {"synced_records": {"config": chosen}}} if chosen else {}


def _lines(s: UserRunSummary) -> list[str]:
    """The headline of one user's run, then one line per thing it left undone, and why."""
    if not s.success:
        if s.failure:
            return [f"{s.user_id}: run failed: {s.failure}"]
        return [f"{s.user_id}: run failed (see the Dagster UI or run with -v)"]
    headline = (
        f"{s.user_id}: {s.records.get('records_new', 0)} new, "
        f"{s.records.get('records_updated', 0)} updated, "
        f"{s.records.get('records_deleted', 0)} deleted{_retried(s)}; "
        f"{s.index.get('records_indexed', 0)} indexed, "
        f"{s.index.get('records_errored', 0)} errored, "
        f"{s.index.get('chunks_embedded', 0)} chunks embedded, "
        f"{s.index.get('chunks_reused', 0)} reused"
        + ("" if s.checks_passed else "  [index check FAILED]")
        + ("" if s.listing_complete else "  [listing INCOMPLETE]")
    )
    notes = [*_shown_warnings(s.warnings), *(str(n) for n in s.index.get("left_pending") or [])]
    if not s.listing_complete:
        notes += [str(note) for note in s.records.get("listing_incomplete") or []] or [
            "the listing may be incomplete"
        ]
    return [headline, *(f"  {note}" for note in notes)]


def _retried(s: UserRunSummary) -> str:
    retried = int(s.records.get("records_retried") or 0)
    return f", {retried} errored retried" if retried else ""


# A run that could not index many files warns about each: the terminal gets the first few.
_WARNINGS_SHOWN = 5


def _shown_warnings(warnings: list[str]) -> list[str]:
    """The first warnings, then how many more there are (`syncrag status` lists errored records)."""
    more = len(warnings) - _WARNINGS_SHOWN
    tail = [f"and {more} more warning(s): see the run in the Dagster UI"] if more > 0 else []
    return [*warnings[:_WARNINGS_SHOWN], *tail]
