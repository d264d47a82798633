"""The deployment in deploy/, end to end on this machine's PostgreSQL server: Dagster's instance
from deploy/dagster.yaml (dagster-postgres storage, the queued run coordinator, run monitoring)
in a fresh database, syncrag's state DB in another, a code server started apart and loaded
through deploy/workspace.yaml, and `dagster-daemon run` as a subprocess. The emulator's webhooks
reach the receiver, the daemon's `sync_webhooks` sensor requests a run, the code server launches
it, and the user's files become searchable; every inbox event ends settled."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, DagsterRunStatus
from grpc_health.v1 import health_pb2, health_pb2_grpc

from resources.state import EventStatus, RecordState, StateStore
from tests.e2e.harness import (
    WEBHOOK_SECRET,
    Emulator,
    KeyFiles,
    Syncrag,
    paragraphs_document,
    settings_environ,
)
from tests.test_state_support import POSTGRES_URL, _admin, _require_postgres
from webhooks import create_app as create_receiver

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
BIN = Path(sys.executable).parent
# Far longer than the few seconds each step takes here; a wait past it is a failure.
STEP_TIMEOUT = 60.0
NEVER = "0 0 1 1 *"  # schedules stay out of the way: runs come from webhooks only
_FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


@dataclass
class Deployment:
    """The running services and what the test reads them through."""

    emulator: Emulator
    syncrag: Syncrag
    instance: DagsterInstance
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen[bytes]]

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not condition():
            for name, process in self.processes.items():
                if process.poll() is not None:
                    pytest.fail(f"the {name} exited ({process.returncode}):\n{self.tail(name)}")
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {n}\n{self.tail(n)}" for n in self.logs)
                pytest.fail(
                    f"still waiting after {STEP_TIMEOUT:g} s for {what}\n{self.describe_runs()}"
                    f"\n{logs}"
                )
            time.sleep(0.25)

    def tail(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")[-3000:]

    def indexed(self, user: str) -> set[str]:
        return {
            r.name or r.record_id
            for r in self.syncrag.ledger(user)
            if r.state is RecordState.INDEXED
        }

    def describe_runs(self) -> str:
        """Each run's status and last events, for a failure message."""
        lines: list[str] = []
        for record in self.instance.get_run_records():
            run = record.dagster_run
            lines.append(f"run {run.run_id} {run.status.value} {dict(run.tags)}")
            for entry in self.instance.all_logs(run.run_id)[-8:]:
                lines.append(f"    {entry.dagster_event_type} {entry.message[:300]}")
        return "\n".join(lines) or "no runs"

    def runs(self) -> list[DagsterRunStatus]:
        return [r.dagster_run.status for r in self.instance.get_run_records()]

    def settled(self) -> bool:
        """Every run has ended."""
        return all(status in _FINISHED for status in self.runs())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub: Any = health_pb2_grpc.HealthStub(channel)  # its methods are set at run time
        try:
            answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


def _stop(process: subprocess.Popen[bytes]) -> None:
    # Each service leads its own session: the processes it started (runs, the code server's
    # worker) stop with it.
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Two fresh databases on the server, Dagster's and syncrag's, dropped afterwards."""
    _require_postgres()
    stem = f"syncrag_e2e_{uuid.uuid4().hex[:12]}"
    names = (f"{stem}_dagster", f"{stem}_state")
    for name in names:
        _admin(f'CREATE DATABASE "{name}"')
    try:
        yield names
    finally:
        for name in names:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deployment(
    tmp_path: Path,
    keys: KeyFiles,
    databases: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Deployment]:
    dagster_db, state_db = databases
    server = sa.make_url(POSTGRES_URL)
    state_url = server.set(database=state_db).render_as_string(hide_password=False)
    home = tmp_path / "dagster_home"
    home.mkdir()
    for name in ("dagster.yaml", "workspace.yaml"):
        shutil.copy(DEPLOY / name, home / name)
    port = _free_port()
    dagster_env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": server.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(server.port or 5432),
        "DAGSTER_PG_DB": dagster_db,
        "DAGSTER_PG_USERNAME": server.username or "postgres",
        "DAGSTER_PG_PASSWORD": server.password or "",
        "DAGSTER_CODE_SERVER_HOST": "127.0.0.1",
        "DAGSTER_CODE_SERVER_PORT": str(port),
    }
    for name, value in dagster_env.items():
        monkeypatch.setenv(name, value)  # this process reads the same instance

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with contextlib.ExitStack() as cleanup:
        inbox = cleanup.enter_context(StateStore.open(state_url))
        emulator = Emulator(
            corpus, keys, webhook_receiver=create_receiver(inbox, secret=WEBHOOK_SECRET)
        )
        cleanup.callback(emulator.close)
        workdir = tmp_path / "syncrag"
        workdir.mkdir()
        environ = settings_environ(
            base_url=emulator.url,
            workdir=workdir,
            key_path=keys.private,
            SYNCRAG_STATE_URL=state_url,
            SYNCRAG_SENSOR_INTERVAL_SECONDS="1",
            SYNCRAG_INCREMENTAL_POLL_CRON=NEVER,
            SYNCRAG_FULL_RECONCILE_CRON=NEVER,
        )
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("SYNCRAG_", "QDRANT_"))
        }
        env = {**inherited, **environ, **dagster_env, "HF_HUB_OFFLINE": "1"}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        logs = {name: tmp_path / f"{name}.log" for name in ("code server", "daemon")}
        instance = cleanup.enter_context(DagsterInstance.from_config(str(home)))
        syncrag = Syncrag(environ, instance)
        cleanup.callback(syncrag.close)

        def start(name: str, command: list[str]) -> None:
            with logs[name].open("wb") as log:
                processes[name] = subprocess.Popen(
                    command,
                    cwd=tmp_path,  # as deployed: not started from the repository's folder
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

        deployment = Deployment(emulator, syncrag, instance, logs, processes)
        try:
            code_server = ["code-server", "start", "-m", "pipelines.definitions"]
            where = ["-h", "127.0.0.1", "-p", str(port), "--location-name", "syncrag"]
            start("code server", [str(BIN / "dagster"), *code_server, *where])
            deployment.wait_for("the code server", lambda: _serving(port))
            start(
                "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(home / "workspace.yaml")]
            )
            yield deployment
        finally:
            for process in reversed(processes.values()):
                _stop(process)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_the_deployment_turns_webhooks_into_daemon_runs_that_index_the_users_files(
    deployment: Deployment,
) -> None:
    emulator = deployment.emulator
    emulator.write("alice", "plan.md", paragraphs_document("Plan", ["Ship the kettle release."]))
    sync_id = emulator.enable(deployment.syncrag.state, "alice")

    # sync_complete: the sensor confirms alice with the Sync API, adds her partition, and the
    # daemon launches her run through the code server.
    assert emulator.flush_webhooks()["delivered"] >= 1
    deployment.wait_for("plan.md to be indexed", lambda: deployment.indexed("alice") == {"plan.md"})
    deployment.wait_for("the first run to end", deployment.settled)

    # record_created for a user who is a partition already.
    emulator.write("alice", "notes.md", paragraphs_document("Notes", ["The walk-in is at 3 C."]))
    emulator.scan(sync_id, "incremental")
    assert emulator.flush_webhooks()["delivered"] >= 1
    deployment.wait_for("notes.md to be indexed", lambda: "notes.md" in deployment.indexed("alice"))
    deployment.wait_for("every run to end", deployment.settled)

    runs = deployment.runs()
    assert runs and set(runs) == {DagsterRunStatus.SUCCESS}, runs
    assert deployment.instance.get_dynamic_partitions("users") == ["alice"]
    assert deployment.syncrag.search("alice", "kettle release")[0].payload["title"] == "plan.md"
    assert deployment.syncrag.state.count_events(EventStatus.NEW) == 0
    assert deployment.syncrag.state.count_events() >= 2
