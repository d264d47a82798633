"""`syncrag explain --user U <record id | external id | file name>`: one record's story.

Its ledger state and error, the webhook events about it and its sync, the runs of the user's
partition (marking those that first pulled and last changed it), its points in the index with
their heading paths and readers, and whether the index matches the ledger for it.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from dagster import DagsterInstance, RunRecord, RunsFilter
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ingest.explain import (
    AmbiguousRecord,
    RecordNotFound,
    RecordStory,
    RunInfo,
    explain_record,
    find_record,
)
from pipelines.batch_job import BATCH_JOB_NAME, batch_users
from pipelines.cli import runtime
from pipelines.cli.errors import UserError
from resources.state import LedgerRecord

# Runs of the partition read from the instance, newest first: enough to find the one that first
# pulled a record of a busy user without reading the whole run history.
RUNS_READ = 500
# Batch runs read to find those that covered the user: at 25 users a run, the last 2,000 runs
# cover a few rounds of every user of a large deployment.
BATCH_RUNS_READ = 2000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "explain",
        help="tell one record's story: ledger, webhooks, runs, points",
        description=__doc__,
    )
    parser.add_argument("--user", required=True, help="the Connected User the record belongs to")
    parser.add_argument(
        "record", metavar="RECORD", help="the record's id, its external id or its file name"
    )
    parser.add_argument("--json", action="store_true", help="print the story as one JSON object")
    parser.add_argument(
        "--runs", type=int, default=5, help="how many of the latest runs to list (default 5)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    state = runtime.known_user_state_store(args.user)
    try:
        try:
            record = find_record(state, args.user, args.record)
        except RecordNotFound as missing:
            raise UserError(str(missing), details=_listed(missing.similar)) from None
        except AmbiguousRecord as ambiguous:
            raise UserError(str(ambiguous), details=_listed(ambiguous.candidates)) from None
        runs = _partition_runs(args.user)
        store = runtime.vector_store(runtime.embedder())
        try:
            story = explain_record(state, store, record, runs, max_runs=max(args.runs, 0))
        finally:
            store.close()
    finally:
        state.close()
    if args.json:
        print(json.dumps(story.to_json(), ensure_ascii=False))
    else:
        print_story(Console(highlight=False), story)
    return 0


def _partition_runs(user: str) -> list[RunInfo]:
    """Runs of the user's partition and batch runs that covered the user, newest first."""
    runtime.ensure_dagster_home()
    with DagsterInstance.get() as instance:
        records = list(
            instance.get_run_records(
                filters=RunsFilter(tags={"dagster/partition": user}), limit=RUNS_READ
            )
        )
        # Batch runs name their users in their config, not in tags (25 tags a run would crowd
        # the UI's runs list): the latest ones are read and kept where they name the user.
        records += [
            record
            for record in instance.get_run_records(
                filters=RunsFilter(job_name=BATCH_JOB_NAME), limit=BATCH_RUNS_READ
            )
            if user in batch_users(record.dagster_run.run_config)
        ]
    records.sort(key=lambda r: r.create_timestamp, reverse=True)
    return [_run_info(r) for r in records[:RUNS_READ]]


def _run_info(record: RunRecord) -> RunInfo:
    run = record.dagster_run
    tags = run.tags
    trigger = (
        tags.get("syncrag/trigger")
        or (f"sensor {tags['dagster/sensor_name']}" if "dagster/sensor_name" in tags else None)
        or (
            f"schedule {tags['dagster/schedule_name']}" if "dagster/schedule_name" in tags else None
        )
    )
    return RunInfo(
        run_id=run.run_id,
        status=run.status.value,
        started_at=_moment(record.start_time) or record.create_timestamp.astimezone(UTC),
        ended_at=_moment(record.end_time),
        trigger=trigger,
    )


def _moment(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _listed(records: list[LedgerRecord]) -> list[str]:
    return [
        f"{r.name or r.external_id or '(no name)'}  ({r.state}, record id {r.record_id})"
        for r in records
    ]


def print_story(console: Console, story: RecordStory) -> None:
    """The story as short indented sections that fit the terminal's width."""
    record = story.record
    say = _Printer(console)
    say.line(0, f"{story.user_id} / {record.name or record.external_id or record.record_id}")
    say.line(2, story.summary)

    say.heading("Ledger")
    sync = story.sync
    sync_text = (
        f"{sync.integration}/{sync.pipeline} ({sync.sync_id}), {sync.status}"
        + (f": {sync.reason}" if sync.reason else "")
        if sync is not None
        else record.sync_id
    )
    rows = [
        ("record id", record.record_id),
        ("external id", record.external_id or "-"),
        ("sync", sync_text),
        ("state", f"{record.state} (attempts {record.attempts})"),
        ("error", record.error or "-"),
        ("mime type", record.mime_type or "-"),
        ("url", record.url or "-"),
        ("changed upstream", record.source_updated_at or "-"),
        ("first pulled", _when(record.first_seen_at, story.first_pulled_by)),
        ("last changed", _when(record.updated_at, story.last_changed_by)),
    ]
    say.pairs(rows)

    say.heading(f"Webhook events about it or its sync ({len(story.events)})")
    if not story.events:
        say.line(2, "none in the inbox")
    for event in story.events:
        reason = f": {event.reason}" if event.reason else ""
        say.line(2, f"{_time(event.received_at)}  {event.event_type}  {event.status}{reason}")

    shown = len(story.runs)
    say.heading(f"Runs of {story.user_id}'s partition ({shown} of {story.runs_total})")
    if not story.runs:
        say.line(2, "none in this Dagster instance")
    for run in story.runs:
        roles = [
            role
            for role, run_id in (
                ("first pulled it", story.first_pulled_by),
                ("last changed it", story.last_changed_by),
            )
            if run_id == run.run_id
        ]
        when = _time(run.started_at) if run.started_at else "not started"
        extra = f"  {', '.join(roles)}" if roles else ""
        say.line(2, f"{when}  {run.status}  {run.run_id[:8]}  {run.trigger or 'launched'}{extra}")

    say.heading(f"Index: {_count(len(story.chunks), 'point')} in {story.collection}")
    verdict = {True: "matches the ledger", False: "DOES NOT match the ledger", None: "in transit"}
    say.line(2, f"{verdict[story.verdict.matches]}: {story.verdict.sentence}")
    for chunk in story.chunks:
        index = "?" if chunk.chunk_index is None else str(chunk.chunk_index)
        say.line(2, f"#{index}  {chunk.point_id}")
        if chunk.heading_path:
            say.line(6, " > ".join(chunk.heading_path))
        readers = ", ".join(chunk.readers) if chunk.readers else "unknown (not filtered)"
        if chunk.readers == []:
            readers = "none listed (not filtered)"
        say.line(6, f"readers: {readers}")
        say.line(6, chunk.text)


class _Printer:
    """Lines of plain text (never markup), wrapped under their own indent."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def line(self, indent: int, text: str) -> None:
        self._console.print(Padding(Text(text), (0, 0, 0, indent)))

    def heading(self, text: str) -> None:
        self._console.print()
        self._console.print(Text(text, style="bold"))

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        """Labels and values in two columns; a long value wraps within its own column."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(Text(f"{label}:"), Text(value))
        self._console.print(Padding(grid, (0, 0, 0, 2)))


def _when(moment: datetime, run_id: str | None) -> str:
    return _time(moment) + (f" by run {run_id[:8]}" if run_id else "")


def _time(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
