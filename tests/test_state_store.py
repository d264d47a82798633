"""StateStore lifecycle: URL checking, SQLite settings, and versioned, idempotent migrations."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from resources.state import (
    SCHEMA_VERSION,
    StateSchemaError,
    StateStore,
    StateUnavailableError,
    StateUrlError,
)
from tests.test_state_support import BACKENDS, Backend, add_sync, change, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "mysql://admin:hunter2@db.example/state",
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg2://admin:hunter2@db.example/state",
        "postgresql+asyncpg://admin:hunter2@db.example/state",
    ],
)
def test_a_bad_url_fails_with_one_sentence_naming_the_setting(url: str) -> None:
    with pytest.raises(StateUrlError) as raised:
        StateStore(url)
    message = str(raised.value)
    assert "SYNCRAG_STATE_URL" in message
    assert "hunter2" not in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_plain_postgresql_urls_use_psycopg() -> None:
    store = StateStore("postgresql://admin:hunter2@db.example/state")
    try:
        assert store.engine.url.drivername == "postgresql+psycopg"
        assert store.dialect == "postgresql"
    finally:
        store.close()


def test_repr_masks_the_password() -> None:
    store = StateStore("postgresql+psycopg://admin:hunter2@db.example/state", schema="tenant_a")
    try:
        assert "hunter2" not in repr(store)
        assert "db.example" in repr(store)
    finally:
        store.close()


def test_a_schema_is_refused_for_sqlite(tmp_path: Path) -> None:
    with pytest.raises(StateUrlError, match="PostgreSQL"):
        StateStore(f"sqlite:///{tmp_path / 'state.db'}", schema="tenant_a")


def test_a_schema_must_be_a_plain_identifier() -> None:
    with pytest.raises(StateUrlError, match="identifier"):
        StateStore("postgresql+psycopg://u@db.example/state", schema='x"; DROP TABLE syncs; --')


def test_an_unreachable_server_raises_a_typed_error_without_the_password() -> None:
    # Port 1 on loopback refuses at once: nothing listens there.
    store = StateStore("postgresql+psycopg://admin:hunter2@127.0.0.1:1/state")
    try:
        with pytest.raises(StateUnavailableError) as raised:
            store.migrate()
    finally:
        store.close()
    assert "SYNCRAG_STATE_URL" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_sqlite_creates_its_directory_and_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "state.db"
    with StateStore.open(f"sqlite:///{path}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    assert path.is_file()


def test_the_constructor_does_not_migrate(backend: Backend) -> None:
    with backend.store() as store:
        assert store.schema_version() == 0
        with pytest.raises(StateSchemaError, match="migrate"):
            store.count_events()


def test_migrations_apply_in_order_and_only_once(backend: Backend) -> None:
    with backend.store() as store:
        assert store.migrate(target=1) == [1]
        assert store.schema_version() == 1
        add_sync(store)  # version 1 holds the ledger ...
        with pytest.raises(StateSchemaError):
            store.count_events()  # ... and not yet the inbox
        assert store.migrate() == list(range(2, SCHEMA_VERSION + 1))
        assert store.migrate() == []
        assert store.schema_version() == SCHEMA_VERSION
        assert store.count_events() == 0
        assert store.get_sync("s1") is not None


def test_reopening_keeps_the_data(backend: Backend) -> None:
    with backend.open() as store:
        add_sync(store)
        store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1")], cursor="c1")
    with backend.open() as reopened:
        assert reopened.schema_version() == SCHEMA_VERSION
        sync = reopened.get_sync("s1")
        assert sync is not None and sync.cursor == "c1"
        assert reopened.get_record("s1", "r1") is not None


def test_an_unknown_target_is_refused(backend: Backend) -> None:
    with backend.store() as store, pytest.raises(ValueError, match="latest"):
        store.migrate(target=SCHEMA_VERSION + 1)


def test_a_database_newer_than_the_code_is_refused(backend: Backend) -> None:
    with backend.open() as store:
        # What a later syncrag would leave behind after migrating.
        with store.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO schema_version (version, description, applied_at) "
                    "VALUES (:version, 'from the future', CURRENT_TIMESTAMP)"
                ),
                {"version": SCHEMA_VERSION + 1},
            )
        with pytest.raises(StateSchemaError, match="upgrade syncrag"):
            store.migrate()


def test_concurrent_migrations_apply_each_step_once(backend: Backend) -> None:
    stores = [backend.store() for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            applied = list(pool.map(lambda store: store.migrate(), stores))
        assert sorted(v for versions in applied for v in versions) == list(
            range(1, SCHEMA_VERSION + 1)
        )
        assert {store.schema_version() for store in stores} == {SCHEMA_VERSION}
    finally:
        for store in stores:
            store.close()
