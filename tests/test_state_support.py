"""Shared helpers of the state DB tests: one SQLite file or one fresh PostgreSQL schema per test."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from resources.state import RecordChange, StateStore

POSTGRES_URL = os.environ.get(
    "SYNCRAG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


class TickingClock:
    """A clock that moves one second on every reading, so that order is visible in timestamps."""

    def __init__(self) -> None:
        self.now = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass(frozen=True)
class Backend:
    """Where one test's state DB lives."""

    url: str
    schema: str | None

    def store(self, **options: Any) -> StateStore:
        """A StateStore on this DB, not migrated."""
        return StateStore(self.url, schema=self.schema, **options)

    def open(self, **options: Any) -> StateStore:
        """A migrated StateStore on this DB."""
        return StateStore.open(self.url, schema=self.schema, **options)


@contextmanager
def open_backend(kind: str, tmp_path: Path) -> Iterator[Backend]:
    """A fresh, empty database of the given kind, removed afterwards."""
    if kind == "sqlite":
        # A directory that does not exist yet: the store must create it.
        yield Backend(f"sqlite:///{tmp_path / 'state' / 'state.db'}", None)
        return
    _require_postgres()
    # Tests running in parallel (xdist, other engineers) each get their own schema.
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        yield Backend(POSTGRES_URL, schema)
    finally:
        _admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@functools.cache
def _postgres_problem() -> str | None:
    try:
        _admin("SELECT 1")
    except OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    return None


def _require_postgres() -> None:
    problem = _postgres_problem()
    if problem is not None:
        shown = sa.make_url(POSTGRES_URL).render_as_string(hide_password=True)
        pytest.skip(
            f"PostgreSQL at {shown} is unreachable ({problem}); "
            "start it or point SYNCRAG_TEST_POSTGRES_URL at one"
        )


def _admin(sql: str) -> None:
    engine = sa.create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def change(
    record_id: str,
    metadata_hash: str = "h1",
    *,
    deleted: bool = False,
    raw: Mapping[str, Any] | None = None,
) -> RecordChange:
    """A record as a pulled page would report it."""
    return RecordChange(
        record_id=record_id,
        external_id=f"ext-{record_id}",
        name=f"{record_id}.txt",
        mime_type="text/plain",
        url=f"https://example.test/{record_id}",
        source_updated_at="2025-07-01T09:30:00Z",
        metadata_hash=metadata_hash,
        deleted=deleted,
        raw={"id": record_id} if raw is None else raw,
    )


def add_sync(store: StateStore, sync_id: str = "s1", user_id: str = "u1") -> None:
    """Record a sync the way ingest does before pulling it."""
    store.upsert_sync(
        user_id=user_id,
        sync_id=sync_id,
        integration="googledrive",
        pipeline="files",
        status="ACTIVE",
    )
