"""Turns SYNCRAG_STATE_URL into a configured SQLAlchemy engine and opens its transactions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine

from resources.state.errors import StateSchemaError, StateUnavailableError, StateUrlError

__all__ = ["WRITE_OPTION", "create_state_engine", "describe_url", "parse_state_url", "transaction"]

_EXAMPLES = "sqlite:///path/to/state.db or postgresql+psycopg://user:password@host:5432/dbname"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Execution option that marks a connection's transaction as one that will write.
WRITE_OPTION = "syncrag_write"


def parse_state_url(url: str) -> URL:
    """Validate a state DB URL; PostgreSQL URLs are pinned to the psycopg 3 driver."""
    try:
        parsed = sa.make_url(url)
    except (sa_exc.ArgumentError, ValueError):
        # `from None`: the parser's message may quote the URL, password included.
        raise StateUrlError(
            f"SYNCRAG_STATE_URL is not a database URL; set it to {_EXAMPLES}."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.get_driver_name() != "pysqlite":
            raise StateUrlError(
                f"SYNCRAG_STATE_URL uses the SQLite driver {parsed.get_driver_name()!r}; "
                "write it as sqlite:///path/to/state.db."
            )
        if parsed.database in (None, "", ":memory:"):
            raise StateUrlError(
                "SYNCRAG_STATE_URL names an in-memory SQLite database, which every connection "
                "would see empty; give a file path such as sqlite:///path/to/state.db."
            )
        return parsed
    if backend in ("postgresql", "postgres"):
        driver = parsed.drivername.partition("+")[2]
        if driver not in ("", "psycopg"):
            raise StateUrlError(
                f"SYNCRAG_STATE_URL uses the PostgreSQL driver {driver!r}; syncrag talks to "
                "PostgreSQL through psycopg 3, so write postgresql+psycopg://user:password@host/db."
            )
        return parsed.set(drivername="postgresql+psycopg")
    raise StateUrlError(
        f"SYNCRAG_STATE_URL names a {backend!r} database; the state DB runs on {_EXAMPLES}."
    )


def describe_url(url: URL) -> str:
    """The URL as safe to show: password masked."""
    return url.render_as_string(hide_password=True)


def create_state_engine(
    url: URL, *, schema: str | None = None, busy_timeout_seconds: float = 30.0
) -> Engine:
    """An engine for a URL from parse_state_url(), with per-connection settings installed."""
    if url.get_backend_name() == "sqlite":
        if schema is not None:
            raise StateUrlError(
                "a state DB schema applies only to PostgreSQL, but SYNCRAG_STATE_URL names SQLite."
            )
        assert url.database is not None
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url.set(database=str(Path(url.database).expanduser())))
        _install_sqlite_events(engine, busy_timeout_ms=int(busy_timeout_seconds * 1000))
        return engine
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StateUrlError(
            f"state DB schema {schema!r} is not a plain lowercase identifier; "
            "use letters, digits and underscores."
        )
    engine = sa.create_engine(url, pool_pre_ping=True)
    if schema is not None:
        _install_search_path(engine, schema)
    return engine


def _install_sqlite_events(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, so that BEGIN is ours to emit
        # (see _begin) and DDL runs inside migrations' transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching to WAL itself waits for other processes' locks.
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock up front: a read transaction that later upgrades to
        # a write fails with SQLITE_BUSY at once instead of waiting out the busy timeout.
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _install_search_path(engine: Engine, schema: str) -> None:
    @event.listens_for(engine, "connect", insert=True)
    def _set_search_path(dbapi_connection: Any, _record: Any) -> None:
        # Outside a transaction, or the pool's reset-on-return rollback would undo the SET.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET SESSION search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.autocommit = autocommit


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    target = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    try:
        conn = target.connect()
    except sa_exc.DBAPIError as error:
        raise StateUnavailableError(
            f"cannot reach the state DB at {describe_url(engine.url)} (SYNCRAG_STATE_URL): "
            f"{_first_line(error.orig)}; check that the server is up and the URL is right."
        ) from error
    with conn:
        try:
            with conn.begin():
                yield conn
        except sa_exc.DBAPIError as error:
            if _is_missing_table(error):
                raise StateSchemaError(
                    f"the state DB at {describe_url(engine.url)} has no syncrag tables yet; "
                    "run StateStore.migrate() (StateStore.open() does it) before using it."
                ) from error
            raise


def _is_missing_table(error: sa_exc.DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) == "42P01":  # PostgreSQL undefined_table
        return True
    return str(error.orig).startswith("no such table")


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip() if error is not None else ""
    return text.splitlines()[0] if text else "no reason given"
