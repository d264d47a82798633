"""Versioned schema migrations of the state DB, applied in order, each in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from resources.state import tables
from resources.state.engine import describe_url, transaction
from resources.state.errors import StateSchemaError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "apply_migrations", "current_version"]

# Any constant shared by every syncrag process; serialises concurrent migrate() calls.
_PG_MIGRATION_LOCK = 0x5359_4E43_0001


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema: its version, what it does, and the function that does it."""

    version: int
    description: str
    apply: Callable[[Connection], None]


# A migration's DDL must keep meaning what it meant when it shipped. These create tables from
# the current definitions in tables.py; the first migration that alters a table must first
# copy the original definitions it changes into these functions.
def _create_ledger(conn: Connection) -> None:
    tables.metadata.create_all(conn, tables=[tables.syncs, tables.records])


def _create_inbox(conn: Connection) -> None:
    # The inbox as migration 2 shipped it; migration 4 alters it.
    shipped = sa.MetaData()
    sa.Table(
        tables.inbox.name,
        shipped,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dedup_key", sa.String, nullable=False, unique=True),
        sa.Column("user_id", sa.String, nullable=False),
        sa.Column("sync_id", sa.String),
        sa.Column("event_type", sa.String, nullable=False),
        sa.Column("record_id", sa.String),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("received_at", tables.UtcDateTime, nullable=False),
        sa.Column("processed_at", tables.UtcDateTime),
        sa.Index("ix_inbox_user_type_status", "user_id", "event_type", "status"),
        sqlite_autoincrement=True,
    )
    shipped.create_all(conn)


def _create_indexed_collections(conn: Connection) -> None:
    # No rows: which collection existing 'indexed' states refer to is not known here; the
    # indexer finds out on each user's next run (ingest/collection_switch.py).
    tables.metadata.create_all(conn, tables=[tables.indexed_collections])


def _add_inbox_reason(conn: Connection) -> None:
    # Existing rows keep a NULL reason: none of them was rejected. Older syncrags refuse the
    # new schema version, so none of them meets the new 'rejected' status.
    conn.execute(sa.text("ALTER TABLE inbox ADD COLUMN reason TEXT"))


def _index_inbox_processed_at(conn: Connection) -> None:
    # Pruning reads settled events by the time they were settled; without the index every
    # tick would scan the whole inbox.
    conn.execute(sa.text("CREATE INDEX ix_inbox_processed_at ON inbox (processed_at)"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "syncs and the records ledger", _create_ledger),
    Migration(2, "webhook inbox", _create_inbox),
    Migration(3, "the collection each user's ledger is indexed into", _create_indexed_collections),
    Migration(4, "inbox: the reason a rejected event was rejected", _add_inbox_reason),
    Migration(5, "inbox: an index on processed_at, for pruning", _index_inbox_processed_at),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def current_version(engine: Engine) -> int:
    """The highest applied migration, 0 for a database syncrag has never migrated."""
    with transaction(engine, write=False) as conn:
        if not sa.inspect(conn).has_table(tables.schema_version.name):
            return 0
        return _read_version(conn)


def apply_migrations(
    engine: Engine, *, now: Callable[[], datetime], schema: str | None, target: int | None = None
) -> list[int]:
    """Apply the migrations above the database's version up to target; the versions applied."""
    target = SCHEMA_VERSION if target is None else target
    if target not in {0} | {migration.version for migration in MIGRATIONS}:
        raise ValueError(f"no migration has version {target}; the latest is {SCHEMA_VERSION}")
    applied: list[int] = []
    while True:
        # One transaction per migration, re-reading the version under the lock each time, so
        # that processes migrating at once apply every step exactly once between them.
        with transaction(engine, write=True) as conn:
            _lock(conn, schema)
            tables.schema_version.create(conn, checkfirst=True)
            version = _read_version(conn)
            if version > SCHEMA_VERSION:
                raise StateSchemaError(
                    f"the state DB at {describe_url(engine.url)} is at schema version {version}, "
                    f"newer than this syncrag's {SCHEMA_VERSION}; upgrade syncrag."
                )
            pending = [m for m in MIGRATIONS if version < m.version <= target]
            if not pending:
                return applied
            migration = pending[0]
            migration.apply(conn)
            conn.execute(
                tables.schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=now(),
                )
            )
            applied.append(migration.version)


def _lock(conn: Connection, schema: str | None) -> None:
    # SQLite: the write transaction's BEGIN IMMEDIATE already excludes other writers.
    if conn.dialect.name != "postgresql":
        return
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
    if schema is not None:
        conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))


def _read_version(conn: Connection) -> int:
    version = conn.execute(sa.select(sa.func.max(tables.schema_version.c.version))).scalar()
    return int(version or 0)
