"""The live stack of the scale scenario: the emulator serving N users and the webhook receiver in
the bench process, `dagster-daemon run` (its code server and runs in its own session) on an
embedded instance, and reads of what they did (ledger times, Dagster runs, sensor ticks)."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from bench.daemon_process import daemon_environment, start_daemon, stop_daemon
from bench.stack import PROJECT_ID
from emulator import EmulatorConfig, create_app, ensure_dev_keypair
from pipelines.cli.runtime import DAGSTER_YAML
from pipelines.servers import BackgroundServer
from resources.state import StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from webhooks import WEBHOOK_PATH
from webhooks import create_app as create_receiver

SENSOR_NAME = "sync_webhooks"
INGEST_JOBS = ("ingest_user", "ingest_users")
NEVER = "0 0 1 1 *"  # the schedules stay out of the measure: runs come from webhooks only
UNFINISHED = (
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
)


@dataclass(frozen=True)
class RunSummary:
    """The ingest runs created after a moment."""

    created: int
    by_status: dict[str, int]
    users_per_run: list[int]
    run_seconds: list[float]


class PostgresDatabases:
    """Two fresh databases on a PostgreSQL server, Dagster's instance and syncrag's state DB,
    created on entry and dropped on exit."""

    def __init__(self, server_url: str) -> None:
        self.server = sa.make_url(server_url)
        stem = f"syncrag_scale_{secrets.token_hex(6)}"
        self.dagster_db, self.state_db = f"{stem}_dagster", f"{stem}_state"

    @property
    def state_url(self) -> str:
        return self.server.set(database=self.state_db).render_as_string(hide_password=False)

    def dagster_storage_yaml(self) -> str:
        # The storage of deploy/dagster.yaml (pooled connections, psycopg2); the bench's server
        # takes trust auth.
        return (
            "storage:\n  custom:\n    module: pipelines.dagster_storage\n"
            "    class: PooledPostgresStorage\n    config:\n      postgres_db:\n"
            "        scheme: postgresql+psycopg2\n"
            f"        hostname: {self.server.host or '127.0.0.1'}\n"
            f"        port: {self.server.port or 5432}\n"
            f"        db_name: {self.dagster_db}\n"
            f"        username: {self.server.username or 'postgres'}\n"
            f"        password: '{self.server.password or ''}'\n"
        )

    def _admin(self, sql: str) -> None:
        engine = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def __enter__(self) -> PostgresDatabases:
        for name in (self.dagster_db, self.state_db):
            self._admin(f'CREATE DATABASE "{name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        for name in (self.dagster_db, self.state_db):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ScaleStack:
    """Receiver, emulator and dagster-daemon over one workdir, started and stopped together."""

    def __init__(
        self,
        workdir: Path,
        repo_root: Path,
        *,
        embedding_backend: str,
        postgres: PostgresDatabases | None = None,
        batch_users: int | None = None,
    ) -> None:
        self.workdir = workdir
        self.repo_root = repo_root
        self.embedding_backend = embedding_backend
        self.postgres = postgres
        self.batch_users = batch_users
        self.corpus = workdir / "corpus"
        self.state_url = (
            postgres.state_url if postgres is not None else f"sqlite:///{workdir / 'state.db'}"
        )
        self.edge_path = workdir / "qdrant"
        self.dagster_home = workdir / "dagster"
        self.daemon_log = workdir / "dagster-daemon.log"
        self.private_key, public_key = ensure_dev_keypair(workdir / "keys")
        self.public_key_pem = public_key.read_text()
        self.state = StateStore.open(self.state_url)
        self.daemon: subprocess.Popen[bytes] | None = None

    @contextmanager
    def running(self) -> Iterator[SyncApiClient]:
        secret = secrets.token_urlsafe(24)
        receiver = BackgroundServer(create_receiver(self.state, secret=secret))
        config = EmulatorConfig(
            root=self.corpus,
            public_key_pem=self.public_key_pem,
            project_id=PROJECT_ID,
            incremental_interval=1.0,
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
                self.stop_daemon()
                client.close()
                self.state.close()

    def _start_daemon(self, api_url: str) -> None:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        storage = "" if self.postgres is None else self.postgres.dagster_storage_yaml()
        (self.dagster_home / "dagster.yaml").write_text(DAGSTER_YAML + storage)
        settings = {
            "SYNCRAG_INCREMENTAL_POLL_CRON": NEVER,
            "SYNCRAG_FULL_RECONCILE_CRON": NEVER,
        }
        if self.batch_users is not None:
            settings["SYNCRAG_RUN_BATCH_USERS"] = str(self.batch_users)
        env = daemon_environment(
            dagster_home=self.dagster_home,
            api_url=api_url,
            project_id=PROJECT_ID,
            private_key=self.private_key,
            state_url=self.state_url,
            edge_path=self.edge_path,
            embedding_backend=self.embedding_backend,
            **settings,
        )
        self.daemon = start_daemon(self.repo_root, env, self.daemon_log)

    def stop_daemon(self) -> None:
        stop_daemon(self.daemon)

    def daemon_alive(self) -> bool:
        return self.daemon is not None and self.daemon.poll() is None

    def indexed_count(self) -> int:
        with self.state.engine.connect() as conn:
            query = sa.text("SELECT count(*) FROM records WHERE state = 'indexed'")
            return int(conn.execute(query).scalar_one())

    def indexed_at(self, name: str) -> dict[str, float]:
        """Per user, epoch seconds at which the ledger last marked the record `name` indexed:
        after its points were written (ingest.index writes the ledger after the upsert)."""
        query = sa.text(
            "SELECT user_id, updated_at FROM records WHERE name = :name AND state = 'indexed'"
        )
        with self.state.engine.connect() as conn:
            rows = conn.execute(query, {"name": name}).all()
        return {str(user): _epoch(moment) for user, moment in rows}

    def runs_since(self, moment: datetime) -> RunSummary:
        with DagsterInstance.from_config(str(self.dagster_home)) as instance:
            records = [
                r
                for r in instance.get_run_records(RunsFilter(created_after=moment))
                if r.dagster_run.job_name in INGEST_JOBS
            ]
        by_status: dict[str, int] = {}
        for record in records:
            status = record.dagster_run.status.value
            by_status[status] = by_status.get(status, 0) + 1
        return RunSummary(
            created=len(records),
            by_status=by_status,
            users_per_run=[int(r.dagster_run.tags.get("syncrag/users", "1")) for r in records],
            run_seconds=[
                r.end_time - r.start_time
                for r in records
                if r.end_time is not None and r.start_time is not None
            ],
        )

    def runs_unfinished(self) -> int:
        with DagsterInstance.from_config(str(self.dagster_home)) as instance:
            return len(instance.get_run_records(RunsFilter(statuses=list(UNFINISHED))))

    def sensor_ticks(self, after: float) -> list[tuple[float, int]]:
        """(seconds, runs requested) of every finished `sync_webhooks` tick after `after`."""
        with DagsterInstance.from_config(str(self.dagster_home)) as instance:
            states = [
                s for s in instance.all_instigator_state() if s.instigator_name == SENSOR_NAME
            ]
            ticks = [
                tick
                for state in states
                for tick in instance.get_ticks(
                    state.instigator_origin_id, state.selector_id, after=after
                )
            ]
        return [
            (t.end_timestamp - t.timestamp, len(t.run_ids))
            for t in ticks
            if t.end_timestamp is not None
        ]


def _epoch(moment: object) -> float:
    # SQLite hands the ledger's UTC timestamps back as naive text or datetimes.
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
