"""The live stack of the latency measure: receiver, emulator and dagster-daemon, as deployed.

The emulator scans its folder every second and sends webhooks to the real receiver, which commits
them to the inbox; `dagster-daemon` (a subprocess, DAGSTER_HOME in a temporary folder) runs the
`sync_webhooks` sensor at its default interval and launches each run in its own process.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from bench.corpus import pipeline_folder
from bench.daemon_process import daemon_environment, start_daemon, stop_daemon
from bench.latency_phases import RunTiming
from bench.stack import PROJECT_ID
from emulator import EmulatorConfig, create_app, ensure_dev_keypair
from pipelines.cli.runtime import DAGSTER_YAML
from pipelines.servers import BackgroundServer
from resources.state import StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from webhooks import WEBHOOK_PATH
from webhooks import create_app as create_receiver

USER = "latency-user"
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


class LiveStack:
    """Receiver, emulator and dagster-daemon over one workdir, started and stopped together."""

    def __init__(self, workdir: Path, repo_root: Path, *, embedding_backend: str) -> None:
        self.workdir = workdir
        self.embedding_backend = embedding_backend
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
        env = daemon_environment(
            dagster_home=home,
            api_url=api_url,
            project_id=PROJECT_ID,
            private_key=self.private_key,
            state_url=self.state_url,
            edge_path=self.edge_path,
            embedding_backend=self.embedding_backend,
        )
        self._daemon = start_daemon(self.repo_root, env, self.daemon_log)

    def _stop_daemon(self) -> None:
        stop_daemon(self._daemon)

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


def _epoch(moment: datetime) -> float:
    # SQLite hands datetimes back naive; the state DB stores them in UTC.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
