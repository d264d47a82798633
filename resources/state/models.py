"""Value types the state DB takes and returns: states, statuses, ledger rows, inbox events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "DELETION_HINT_EVENT_TYPE",
    "SETTLED_EVENT_STATUSES",
    "EventStatus",
    "InboxEvent",
    "LedgerRecord",
    "PageOutcome",
    "RecordChange",
    "RecordState",
    "SyncRow",
    "SyncStatus",
]

# The webhook event type whose rows pending_deletion_hints() returns (SPEC.md section 4).
DELETION_HINT_EVENT_TYPE = "record_deleted"


class RecordState(StrEnum):
    """Where a record stands between the Sync API and the vector index."""

    PENDING = "pending"  # needs (re)indexing
    INDEXED = "indexed"  # its current version is in the index
    ERRORED = "errored"  # indexing failed; retried when the record changes or is re-pulled
    DELETED = "deleted"  # gone upstream; its points still have to be removed
    PURGED = "purged"  # gone upstream and from the index


class SyncStatus(StrEnum):
    """A sync's status as the Sync API reports it (SPEC.md section 2.3)."""

    INITIALIZING = "INITIALIZING"
    ACTIVE = "ACTIVE"
    IDLE = "IDLE"
    DISABLED = "DISABLED"
    ERRORED = "ERRORED"


class EventStatus(StrEnum):
    """Whether an inbox event still has to be acted on. Every event leaves NEW: the sensor
    settles it when it requests a run for it, except a record_deleted hint, which the run that
    confirms it with the API settles. Settled events are pruned after the retention."""

    NEW = "new"
    IGNORED = "ignored"  # stored by the receiver already settled: an event syncrag never uses
    PROCESSED = "processed"  # a run was requested for it, or its deletion hint was confirmed
    # Not acted on, with the reason recorded: e.g. the event's user has no sync with the API.
    REJECTED = "rejected"


# The statuses an event never leaves; their rows may be pruned (StateStore.prune_events).
SETTLED_EVENT_STATUSES = frozenset(
    {EventStatus.IGNORED, EventStatus.PROCESSED, EventStatus.REJECTED}
)


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One record as a pulled page reports it."""

    record_id: str
    external_id: str | None
    name: str | None
    mime_type: str | None
    url: str | None
    source_updated_at: str | None
    metadata_hash: str
    deleted: bool
    raw: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """How a page's changes landed in the ledger."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        """Distinct records the page carried."""
        return self.new + self.updated + self.unchanged + self.deleted


@dataclass(frozen=True, slots=True)
class SyncRow:
    """A sync and where its pull stands."""

    sync_id: str
    user_id: str
    integration: str
    pipeline: str
    configuration_name: str | None
    status: SyncStatus
    reason: str | None
    cursor: str | None
    cursor_updated_at: datetime | None
    initial_complete: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One record's row in the ledger."""

    sync_id: str
    record_id: str
    user_id: str
    external_id: str | None
    name: str | None
    mime_type: str | None
    url: str | None
    source_updated_at: str | None
    metadata_hash: str
    content_hash: str | None
    state: RecordState
    error: str | None
    attempts: int
    chunk_count: int | None
    raw: Mapping[str, Any]
    first_seen_at: datetime
    updated_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        """The (sync_id, record_id) pair that records_in_state() pages after."""
        return (self.sync_id, self.record_id)


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """A webhook delivery kept in the inbox."""

    id: int
    dedup_key: str
    user_id: str
    sync_id: str | None
    event_type: str
    record_id: str | None
    payload: Mapping[str, Any]
    status: EventStatus
    received_at: datetime
    processed_at: datetime | None
    reason: str | None = None  # why a rejected event was rejected
