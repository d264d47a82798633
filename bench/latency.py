"""Change-to-searchable latency over the real stack (issue 4, "Measure").

The emulator scans its folder every second and sends webhooks to the real receiver, which commits
them to the inbox; `dagster-daemon` (a subprocess, DAGSTER_HOME in a temporary folder) runs the
`sync_webhooks` sensor at its default interval and launches each run in its own process. A
one-page Markdown file with a unique token is written into the folder and the clock stops when a
search of the user's index (the code path of `syncrag query`, run here, read-only) returns the
token's chunk.
"""

from __future__ import annotations

import functools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from bench.corpus import INTEGRATION, PIPELINE, pipeline_folder
from bench.latency_phases import ChangeTiming, RunTiming, phase_medians, split_phases
from bench.results import LatencyResult
from bench.stack import PROJECT_ID
from bench.stats import percentile
from demo import synthetic_documents
from emulator import EmulatorConfig, create_app, ensure_dev_keypair
from ingest import remember_sync
from pipelines.servers import BackgroundServer
from resources.embedding import Embedder
from resources.state import StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from resources.vectors import EdgeVectorStore, collection_name_for
from webhooks import WEBHOOK_PATH
from webhooks import create_app as create_receiver

USER = "latency-user"
INITIAL_DOCUMENTS = 5
PAGE_WORDS = 350  # about one printed page
POLL_INTERVAL_S = 0.5
INCREMENTAL_INTERVAL_S = 1.0
RUNS_SETTLE_TIMEOUT_S = 120.0
JOB_NAME = "ingest_user"
_UNFINISHED = (
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
)
DAGSTER_YAML = """\
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 4
telemetry:
  enabled: false
"""
METHOD = (
    "real stack: emulator (incremental scan every 1 s, webhooks on) -> receiver -> inbox -> "
    "dagster-daemon sensor `sync_webhooks` at its default interval -> run in its own process "
    "-> search of the user's index in the bench process (the `syncrag query` code path)"
)


class LatencySetupError(RuntimeError):
    """The live stack did not come up; the message says which part and where its log is."""


def one_page_documents(count: int, *, seed: int) -> list[str]:
    """`count` distinct one-page Markdown bodies made of synthetic prose paragraphs."""
    paragraphs = [
        block
        for document in synthetic_documents(
            users=1, docs_per_user=max(20, count * 3), seed=seed, formats=("md",)
        )
        for block in document.markdown.split("\n\n")
        if block.strip() and not block.startswith(("#", "|"))
    ]
    pages: list[str] = []
    current: list[str] = []
    for paragraph in paragraphs:
        current.append(paragraph.strip())
        if sum(len(p.split()) for p in current) >= PAGE_WORDS:
            pages.append("\n\n".join(current))
            current = []
            if len(pages) == count:
                break
    if len(pages) < count:
        raise ValueError(f"the synthetic prose made only {len(pages)} pages of {count}")
    return pages


def page_with_token(body: str, token: str, number: int) -> tuple[str, str]:
    """The file's Markdown and the query that finds it: its first paragraph, token included."""
    first = f"Change {number} carries the marker {token}. " + body.split("\n\n", 1)[0]
    rest = body.split("\n\n", 1)[1] if "\n\n" in body else ""
    markdown = f"# Latency check {number}\n\n{first}\n\n{rest}\n"
    return markdown, first


def write_atomically(path: Path, text: str) -> None:
    # A dotfile renamed into place: the emulator skips dotfiles, so it never reads half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


class LiveStack:
    """Receiver, emulator and dagster-daemon over one workdir, started and stopped together."""

    def __init__(self, workdir: Path, repo_root: Path) -> None:
        self.workdir = workdir
        self.repo_root = repo_root
        self.corpus = workdir / "corpus"
        self.folder = pipeline_folder(self.corpus, USER)
        self.state_url = f"sqlite:///{workdir / 'state.db'}"
        self.edge_path = workdir / "qdrant"
        self.daemon_log = workdir / "dagster-daemon.log"
        self.dagster_home = workdir / "dagster"
        private_key, public_key = ensure_dev_keypair(workdir / "keys")
        self.private_key = private_key
        self.public_key_pem = public_key.read_text()
        self.state = StateStore.open(self.state_url)
        self._daemon: subprocess.Popen[bytes] | None = None

    @contextmanager
    def running(self) -> Iterator[SyncApiClient]:
        secret = secrets.token_urlsafe(24)
        receiver = BackgroundServer(create_receiver(self.state, secret=secret))
        config = EmulatorConfig(
            root=self.corpus,
            public_key_pem=self.public_key_pem,
            project_id=PROJECT_ID,
            incremental_interval=INCREMENTAL_INTERVAL_S,
            webhook_url=f"{receiver.url}{WEBHOOK_PATH}/{secret}",
        )
        emulator = BackgroundServer(create_app(config, background=True))
        client = SyncApiClient(
            emulator.url, UserTokenSigner(self.private_key.read_text(), PROJECT_ID)
        )
        with receiver, emulator:
            self._start_daemon(emulator.url)
            try:
                yield client
            finally:
                self._stop_daemon()
                client.close()
                self.state.close()

    def _start_daemon(self, api_url: str) -> None:
        home = self.dagster_home
        home.mkdir(parents=True, exist_ok=True)
        (home / "dagster.yaml").write_text(DAGSTER_YAML)
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "SYNCRAG_SYNC_API_URL": api_url,
            "SYNCRAG_PARAGON_PROJECT_ID": PROJECT_ID,
            "SYNCRAG_SIGNING_KEY_PATH": str(self.private_key),
            "SYNCRAG_STATE_URL": self.state_url,
            "SYNCRAG_QDRANT_EDGE_PATH": str(self.edge_path),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        for name in ("SYNCRAG_SENSOR_INTERVAL_SECONDS", "QDRANT_URL", "SYNCRAG_SIGNING_KEY"):
            env.pop(name, None)  # the default sensor interval and the embedded store
        daemon = Path(sys.executable).with_name("dagster-daemon")
        with self.daemon_log.open("wb") as log:
            self._daemon = subprocess.Popen(
                [str(daemon), "run", "-w", str(self.repo_root / "workspace.yaml")],
                cwd=self.repo_root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _stop_daemon(self) -> None:
        daemon = self._daemon
        if daemon is None or daemon.poll() is not None:
            return
        # The daemon's own session: its code server and run processes stop with it.
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=30)

    def daemon_alive(self) -> bool:
        return self._daemon is not None and self._daemon.poll() is None

    def indexed(self) -> int:
        counts = self.state.counts_by_state(USER)
        return sum(by_state.get("indexed", 0) for by_state in counts.values())

    def inbox_times(self) -> list[float]:
        """Epoch seconds at which the receiver stored each record event."""
        events = self.state.events_after(0, limit=100_000)
        return [
            _epoch(e.received_at)
            for e in events
            if e.event_type in ("record_created", "record_updated")
        ]

    def settle_runs(self, timeout_s: float = RUNS_SETTLE_TIMEOUT_S) -> tuple[list[RunTiming], int]:
        """Waits for runs still going to end; returns every run's timing and how many failed."""
        with DagsterInstance.from_config(str(self.dagster_home)) as instance:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and instance.get_run_records(
                RunsFilter(job_name=JOB_NAME, statuses=list(_UNFINISHED)), limit=1
            ):
                time.sleep(POLL_INTERVAL_S)
            records = instance.get_run_records(RunsFilter(job_name=JOB_NAME))
        timings = [RunTiming(_epoch(r.create_timestamp), r.start_time) for r in records]
        failed = sum(1 for r in records if r.dagster_run.status == DagsterRunStatus.FAILURE)
        return timings, failed


def measure_latency(
    workdir: Path,
    *,
    repo_root: Path,
    embedder: Embedder,
    changes: int = 20,
    seed: int = 0,
    timeout_s: float = 180.0,
    setup_timeout_s: float = 600.0,
    say: Callable[[str], None] = print,
) -> LatencyResult:
    """p50 and p95 of change-to-searchable seconds over `changes` one-page documents."""
    pages = one_page_documents(INITIAL_DOCUMENTS + changes, seed=seed)
    stack = LiveStack(workdir, repo_root)
    for number, body in enumerate(pages[:INITIAL_DOCUMENTS]):
        write_atomically(stack.folder / "seed" / f"page-{number:02d}.md", body + "\n")
    store = EdgeVectorStore(
        stack.edge_path,
        collection_name_for(embedder.model_name, embedder.dimension),
        embedder.dimension,
        lock_timeout=60.0,
    )
    probe = SearchProbe(store)
    samples: list[float] = []
    timings: list[ChangeTiming] = []
    timeouts = 0
    notes: list[str] = []
    with stack.running() as client:
        sync = client.enable_sync(USER, INTEGRATION, PIPELINE)
        remember_sync(stack.state, USER, sync)
        started = time.monotonic()
        if not _wait_for(
            lambda: stack.indexed() >= INITIAL_DOCUMENTS,
            setup_timeout_s,
            stack.daemon_alive,
        ):
            raise LatencySetupError(
                f"the initial ingest did not finish in {setup_timeout_s:.0f} s "
                f"(daemon alive: {stack.daemon_alive()}); see {stack.daemon_log}"
            )
        notes.append(
            f"initial ingest of {INITIAL_DOCUMENTS} pages through the sensor took "
            f"{time.monotonic() - started:.1f} s (first run, cold)"
        )
        say(f"  latency: stack up; {notes[-1]}")
        for number, body in enumerate(pages[INITIAL_DOCUMENTS:], start=1):
            token = f"zq{secrets.token_hex(5)}"
            markdown, query = page_with_token(body, token, number)
            [vector] = embedder.embed([query])
            changed_at, written_at = time.monotonic(), time.time()
            write_atomically(stack.folder / "changes" / f"change-{number:02d}.md", markdown)
            found = _wait_for(
                functools.partial(probe.finds, vector, token),
                timeout_s,
                stack.daemon_alive,
            )
            if found:
                samples.append(time.monotonic() - changed_at)
                timings.append(ChangeTiming(written_at, time.time()))
                say(f"    change {number}: searchable after {samples[-1]:.1f} s")
            else:
                timeouts += 1
                say(f"    change {number}: not searchable within {timeout_s:.0f} s")
            if not stack.daemon_alive():
                notes.append(f"the daemon exited early; see {stack.daemon_log}")
                break
        runs, failed = stack.settle_runs()
        phases = split_phases(timings, stack.inbox_times(), runs)
    notes.append(f"{len(runs)} runs in all, {failed} failed")
    notes += [
        f"{count} searches failed and were retried: {reason}"
        for reason, count in probe.failures.items()
    ]
    return LatencyResult(
        method=METHOD,
        samples=samples,
        timeouts=timeouts,
        p50=percentile(samples, 50),
        p95=percentile(samples, 95),
        notes=notes,
        phases=phase_medians(phases),
        phases_matched=len(phases["to_inbox"]),
    )


def _epoch(moment: datetime) -> float:
    # SQLite hands datetimes back naive; the state DB stores them in UTC.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class SearchProbe:
    """Searches the user's index for a token's chunk; counts the searches the store refused."""

    def __init__(self, store: EdgeVectorStore) -> None:
        self._store = store
        self.failures: dict[str, int] = {}

    def finds(self, vector: list[float], token: str) -> bool:
        if not self._store.shard_path.exists():
            return False
        try:
            with self._store.open() as index:
                hits = index.search(USER, vector, limit=5)
        except Exception as exc:
            # A query racing a run's write can fail (seen: Edge's flush on close); a user would
            # retry, so the probe does, and the report says how often it happened.
            reason = f"{type(exc).__name__}: {str(exc)[:160]}"
            self.failures[reason] = self.failures.get(reason, 0) + 1
            return False
        return any(token in str(hit.payload.get("text", "")) for hit in hits)


def _wait_for(condition: Callable[[], bool], timeout_s: float, alive: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive():
        if condition():
            return True
        time.sleep(POLL_INTERVAL_S)
    return False
