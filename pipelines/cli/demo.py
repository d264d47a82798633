"""`syncrag demo`: the whole product on one machine, from a bundled corpus to answered queries.

It renders the sample corpus, serves it through the Sync API emulator, enables every user's syncs,
materializes every user's partition, and prints a summary and one answered query per user. With
`--ui` it then keeps the emulator, the webhook receiver and the Dagster UI running, wired together,
so that editing the corpus folder shows up as sensor-triggered runs and changed answers.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from dagster import DagsterInstance
from rich.console import Console
from rich.table import Table
from rich.text import Text

from demo import EXAMPLE_QUERIES, build_sample_corpus
from emulator import EmulatorConfig, create_app, ensure_dev_keypair
from ingest.enable import enable_user_sync
from ingest.search import search_user
from pipelines.cli import runtime
from pipelines.cli.ingest import UserRunSummary, ingest_users
from pipelines.cli.progress import progress_bar, user_progress
from pipelines.cli.query import print_hits
from pipelines.cli.tables import add_plain_row, fitted_table
from pipelines.servers import BackgroundServer, PortInUse
from pipelines.settings import Settings
from resources.state import StateStore
from resources.sync_api import SyncApiClient
from webhooks import create_app as create_receiver

EMULATOR_PORT = 8787
RECEIVER_PORT = 8788
UI_PORT = 3000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("demo", help="run the whole pipeline on the bundled sample corpus")
    parser.add_argument(
        "--ui", action="store_true", help="then keep everything running with the UI"
    )
    parser.add_argument(
        "--workdir",
        default=None,
        help="where the corpus is rendered (default: demo/ under SYNCRAG_HOME)",
    )
    parser.add_argument(
        "--incremental-interval",
        type=float,
        default=2.0,
        help="seconds between the emulator's incremental scans",
    )
    parser.add_argument(
        "--full-sync-interval",
        type=float,
        default=30.0,
        help="seconds between the emulator's full syncs (which report deletions)",
    )
    parser.add_argument(
        "--ui-port", type=int, default=UI_PORT, help=f"port of the Dagster UI (default {UI_PORT})"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    started = time.perf_counter()
    home = runtime.settings().home
    corpus = Path(args.workdir or home / "demo").resolve() / "corpus"
    with console.status("Rendering the sample corpus"):
        summary = build_sample_corpus(corpus)
    console.print(f"Sample corpus: {summary.describe()} in {corpus}")

    private_key, public_key = ensure_dev_keypair(home / "keys")
    os.environ.setdefault("SYNCRAG_SIGNING_KEY_PATH", str(private_key))
    os.environ.setdefault("SYNCRAG_SYNC_API_URL", f"http://127.0.0.1:{EMULATOR_PORT}")
    settings = runtime.settings()
    emulator_port = int(settings.sync_api_url.rsplit(":", 1)[-1].rstrip("/"))
    runtime.ensure_dagster_home()

    webhook_secret = os.environ.get("SYNCRAG_WEBHOOK_SECRET") or secrets.token_urlsafe(24)
    receiver_url = f"http://127.0.0.1:{RECEIVER_PORT}/webhooks/paragon/{webhook_secret}"
    state = StateStore.open(settings.state_url)
    emulator_config = EmulatorConfig(
        root=corpus,
        public_key_pem=public_key.read_text(),
        state_dir=home / "emulator",
        project_id=settings.project_id,
        aud_host=settings.aud_host,
        incremental_interval=args.incremental_interval,
        full_sync_interval=args.full_sync_interval,
        webhook_url=receiver_url if args.ui else None,
    )
    try:
        emulator = BackgroundServer(create_app(emulator_config), port=emulator_port)
        receiver = (
            BackgroundServer(create_receiver(state, secret=webhook_secret), port=RECEIVER_PORT)
            if args.ui
            else None
        )
    except PortInUse as exc:
        console.print(f"[red]{exc}[/red] (is another `syncrag demo` running?)")
        return 1

    with emulator:
        if receiver is not None:
            receiver.start()
        try:
            users = _enable_all(console, corpus, state)
            with DagsterInstance.get() as instance:
                summaries = _ingest_with_progress(console, instance, users, state)
            print_summary(console, summaries, time.perf_counter() - started)
            _print_example_answers(console, users)
            failed = [s.user_id for s in summaries if not (s.success and s.checks_passed)]
            if failed:
                console.print(f"[red]Runs failed or checks did not pass for: {', '.join(failed)}")
                return 1
            if args.ui:
                return _serve_ui(console, args.ui_port, corpus)
            console.print(next_steps(users, corpus, settings), highlight=False)
            return 0
        finally:
            if receiver is not None:
                receiver.stop()
            state.close()


def _enable_all(console: Console, corpus: Path, state: StateStore) -> list[str]:
    """Enables each `<user>/<integration>/<pipeline>` folder's sync; waits for its initial sync."""
    users: list[str] = []
    with runtime.sync_client() as client:
        pending: list[tuple[str, str]] = []
        for user_dir in sorted(p for p in corpus.iterdir() if p.is_dir()):
            users.append(user_dir.name)
            for integration in sorted(p for p in user_dir.iterdir() if p.is_dir()):
                for pipeline in sorted(p for p in integration.iterdir() if p.is_dir()):
                    sync = enable_user_sync(
                        client,
                        state,
                        user_id=user_dir.name,
                        integration=integration.name,
                        pipeline=pipeline.name,
                    )
                    pending.append((user_dir.name, sync.id))
        with console.status(f"Waiting for {len(pending)} initial syncs"):
            _wait_until_idle(client, pending)
    return users


def _wait_until_idle(
    client: SyncApiClient, syncs: list[tuple[str, str]], timeout: float = 120.0
) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(syncs)
    while waiting:
        waiting = [
            (u, s) for u, s in waiting if client.get_sync(u, s).status.value not in ("IDLE",)
        ]
        if waiting and time.monotonic() > deadline:
            raise TimeoutError(f"{len(waiting)} syncs did not finish their initial sync in time.")
        if waiting:
            time.sleep(0.2)


def _ingest_with_progress(
    console: Console, instance: DagsterInstance, users: list[str], state: StateStore
) -> list[UserRunSummary]:
    with progress_bar(console) as progress:
        overall = progress.add_task(f"{len(users)} users to ingest", total=len(users))

        def on_done(summary: UserRunSummary) -> None:
            progress.advance(overall)
            done = int(progress.tasks[overall].completed)
            progress.update(overall, description=f"{done} of {len(users)} users ingested")

        return ingest_users(
            instance,
            users,
            on_done=on_done,
            around=lambda user: user_progress(progress, state, user),
        )


def print_summary(console: Console, summaries: list[UserRunSummary], seconds: float) -> None:
    console.print(summary_table(summaries, seconds))
    console.print()
    console.print(index_table(summaries))
    for line in errored_notes(summaries):
        console.print(line)


def summary_table(summaries: list[UserRunSummary], seconds: float) -> Table:
    """What this run changed, per user: records new or changed upstream, indexed and errored,
    the chunks of the records indexed, and how many of them the model embedded or reused.

    `reused` is every chunk not embedded: a vector already in the index, or one shared with an
    identical chunk of the same run (embedded once), so that chunks = embedded + reused."""
    numbers = ("records", "indexed", "errored", "chunks", "embedded", "reused")
    table = fitted_table(
        f"syncrag demo: this run's changes, in {seconds:.1f} s",
        ("user", *numbers, "check"),
        numeric=numbers,
    )
    model_seconds = 0.0
    shared = 0
    for s in summaries:
        new = int(s.records.get("records_new", 0)) + int(s.records.get("records_updated", 0))
        model_seconds += float(s.index.get("seconds_embedding", 0.0))
        chunks = int(s.index.get("chunks_total", 0))
        embedded = int(s.index.get("chunks_embedded", 0))
        shared += chunks - embedded - int(s.index.get("chunks_reused", 0))
        add_plain_row(
            table,
            [
                s.user_id,
                new,
                s.index.get("records_indexed", 0),
                s.index.get("records_errored", 0),
                chunks,
                embedded,
                chunks - embedded,
                "ok" if s.success and s.checks_passed else "FAILED",
            ],
        )
    table.caption = Text(
        "records: new or changed upstream since the last run.\n"
        "reused: chunks whose vector was already indexed, or shared\n"
        f"with an identical chunk of this run ({shared} of them);\n"
        "chunks = embedded + reused.\n"
        f"{model_seconds:.1f} s of it in the embedding model."
    )
    table.caption_justify = "left"
    return table


def index_table(summaries: list[UserRunSummary]) -> Table:
    """What each user's index holds after the run, whatever the run changed: records by state
    in the ledger and the searchable points (`?` where a failed run left no totals)."""
    numbers = ("synced", "indexed", "pending", "errored", "points")
    table = fitted_table(
        "In the index now (totals of every run so far)", ("user", *numbers), numeric=numbers
    )
    for s in summaries:
        totals = [s.index.get(f"ledger_{state}") for state in ("indexed", "pending", "errored")]
        synced = sum(int(t) for t in totals if t is not None)
        add_plain_row(
            table,
            [
                s.user_id,
                synced if None not in totals else "?",
                *(t if t is not None else "?" for t in totals),
                s.index.get("points", "?"),
            ],
        )
    table.caption = Text("synced: the records upstream.\npoints: the chunks a query searches.")
    table.caption_justify = "left"
    return table


def errored_notes(summaries: list[UserRunSummary]) -> list[Text]:
    """For each user whose ledger holds errored records, how many and where to see why."""
    notes = []
    for s in summaries:
        errored = int(s.index.get("ledger_errored", 0))
        if errored:
            notes.append(
                Text(
                    f"{s.user_id}: {errored} record(s) could not be indexed; "
                    f"`syncrag status --user {s.user_id}` shows why.",
                    style="yellow",
                )
            )
    return notes


def next_steps(users: list[str], corpus: Path, settings: Settings) -> Text:
    """What to do after a plain `syncrag demo`: ask, look, go live; and where the data is."""
    user = users[0] if users else "alice"
    state = settings.state_url
    ledger = (
        state.removeprefix("sqlite:///")
        if state.startswith("sqlite:///")
        else "the database SYNCRAG_STATE_URL names"
    )
    index = settings.qdrant_url or settings.qdrant_edge_path
    return Text(
        "\nNext steps:\n"
        f'  .venv/bin/syncrag query --user {user} "your question"\n'
        "  .venv/bin/syncrag status    syncs, records by state, the latest errors\n"
        "  make run                    the same, kept running with the Dagster UI\n"
        f"The data lives under SYNCRAG_HOME ({settings.home}):\n"
        f"  corpus  {corpus}\n"
        f"  ledger  {ledger}\n"
        f"  index   {index}"
    )


def _print_example_answers(console: Console, users: list[str]) -> None:
    model = runtime.embedder()
    store = runtime.vector_store(model)
    for user in users:
        question = EXAMPLE_QUERIES.get(user)
        if question:
            print_hits(console, user, question, search_user(model, store, user, question, limit=2))


def _serve_ui(console: Console, port: int, corpus: Path) -> int:
    console.print(
        f"\n[bold]Dagster UI:[/bold] http://127.0.0.1:{port}  (sensor `sync_webhooks` and the "
        "schedules are on)\n"
        f"[bold]Try it:[/bold] add, edit or delete a file under {corpus}/alice/googledrive/files/, "
        "watch a run appear in the UI within seconds (deletions: after the next full sync, "
        "about 30 s), then ask again:\n"
        '  .venv/bin/syncrag query --user alice "your question"\n'
        "Ctrl-C stops everything."
    )
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "pipelines.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    ui = subprocess.Popen(command, env=runtime.child_environ())
    try:
        return ui.wait()
    except KeyboardInterrupt:
        ui.send_signal(signal.SIGINT)
        try:
            ui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            ui.kill()
        return 0
