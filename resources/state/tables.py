"""SQLAlchemy Core table definitions of the state DB: syncs, the records ledger and the inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = ["inbox", "indexed_collections", "metadata", "records", "schema_version", "syncs"]


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that goes in and comes out as timezone-aware UTC on every backend."""

    # SQLite has no timestamp type and would drop the offset; PostgreSQL answers in the session
    # time zone. Normalising both ways keeps comparisons and dataclass values uniform.
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("state DB timestamps must be timezone-aware (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

# Applied migrations, one row each; the highest version is the schema's version.
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String, nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
)

syncs = sa.Table(
    "syncs",
    metadata,
    sa.Column("sync_id", sa.String, primary_key=True),
    sa.Column("user_id", sa.String, nullable=False, index=True),
    sa.Column("integration", sa.String, nullable=False),
    sa.Column("pipeline", sa.String, nullable=False),
    sa.Column("configuration_name", sa.String),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("cursor", sa.Text),
    sa.Column("cursor_updated_at", UtcDateTime),
    sa.Column("initial_complete", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("sync_id", sa.String, sa.ForeignKey("syncs.sync_id"), primary_key=True),
    sa.Column("record_id", sa.String, primary_key=True),
    sa.Column("user_id", sa.String, nullable=False),
    sa.Column("external_id", sa.String),
    sa.Column("name", sa.Text),
    sa.Column("mime_type", sa.String),
    sa.Column("url", sa.Text),
    sa.Column("source_updated_at", sa.String),
    sa.Column("metadata_hash", sa.String, nullable=False),
    sa.Column("content_hash", sa.String),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("chunk_count", sa.Integer),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Serves records_in_state(): a user's rows in some states, walked in key order.
    sa.Index("ix_records_user_state", "user_id", "state", "sync_id", "record_id"),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dedup_key", sa.String, nullable=False, unique=True),
    sa.Column("user_id", sa.String, nullable=False),
    sa.Column("sync_id", sa.String),
    sa.Column("event_type", sa.String, nullable=False),
    sa.Column("record_id", sa.String),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("processed_at", UtcDateTime),
    # Why the event was rejected (status 'rejected'); added by migration 4.
    sa.Column("reason", sa.Text),
    sa.Index("ix_inbox_user_type_status", "user_id", "event_type", "status"),
    # Serves the pruning of settled events (only they have a processed_at); migration 5.
    sa.Index("ix_inbox_processed_at", "processed_at"),
    # AUTOINCREMENT keeps SQLite from reusing the id of a deleted last row, which a sensor
    # cursor already past it would never see.
    sqlite_autoincrement=True,
)

# Per user, the vector collection that the ledger's 'indexed' states refer to: a record is
# indexed into this collection, not into any other (one collection per embedding model).
indexed_collections = sa.Table(
    "indexed_collections",
    metadata,
    sa.Column("user_id", sa.String, primary_key=True),
    sa.Column("collection", sa.String, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
