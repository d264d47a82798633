"""`PooledPostgresStorage`: Dagster's PostgreSQL storage that keeps its connections, so that a run
storing hundreds of events does not open a new server connection for each one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from dagster import AssetKey, AssetMaterialization, DagsterInstance
from sqlalchemy import event
from sqlalchemy.pool import Pool

from pipelines.dagster_storage import PooledPostgresStorage
from tests.test_state_support import POSTGRES_URL, _admin, _require_postgres

pytestmark = pytest.mark.postgres

EVENTS = 40


@pytest.fixture
def dagster_db() -> Iterator[str]:
    _require_postgres()
    name = f"syncrag_storage_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _instance_yaml(storage: str, database: str) -> str:
    server = sa.make_url(POSTGRES_URL)
    postgres_db = (
        "postgres_db:\n"
        "  scheme: postgresql+psycopg2\n"
        f"  hostname: {server.host or '127.0.0.1'}\n"
        f"  port: {server.port or 5432}\n"
        f"  db_name: {database}\n"
        f"  username: {server.username or 'postgres'}\n"
        f"  password: '{server.password or ''}'\n"
    )
    if storage == "postgres":
        body = "  postgres:\n" + _indent(postgres_db, 4)
    else:
        body = (
            "  custom:\n    module: pipelines.dagster_storage\n"
            "    class: PooledPostgresStorage\n    config:\n" + _indent(postgres_db, 6)
        )
    return "storage:\n" + body + "telemetry:\n  enabled: false\n"


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _connections_opened_storing_events(home: Path) -> int:
    opened: list[Any] = []

    def count(dbapi_connection: Any, record: Any) -> None:
        opened.append(dbapi_connection)

    with DagsterInstance.from_config(str(home)) as instance:
        event.listen(Pool, "connect", count)
        try:
            for number in range(EVENTS):
                instance.report_runless_asset_event(AssetMaterialization(f"asset_{number % 4}"))
        finally:
            event.remove(Pool, "connect", count)
        stored = instance.fetch_materializations(AssetKey("asset_0"), limit=100).records
        assert len(stored) == EVENTS // 4
    return len(opened)


@pytest.mark.parametrize("storage", ["postgres", "pooled"])
def test_storing_a_runs_events_opens_a_few_connections_not_one_per_event(
    storage: str, dagster_db: str, tmp_path: Path
) -> None:
    (tmp_path / "dagster.yaml").write_text(_instance_yaml(storage, dagster_db))

    opened = _connections_opened_storing_events(tmp_path)

    if storage == "postgres":
        assert opened >= EVENTS  # dagster-postgres's own: a connection for every write
    else:
        assert opened <= 5


def test_the_pooled_storage_is_the_instance_storage_of_the_deployment_settings() -> None:
    deploy = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "deploy" / "dagster.yaml").read_text()
    )

    custom = deploy["storage"]["custom"]
    assert (custom["module"], custom["class"]) == (
        PooledPostgresStorage.__module__,
        PooledPostgresStorage.__name__,
    )
