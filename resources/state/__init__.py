"""The state DB: syncs, the records ledger and the webhook inbox, in SQLite or PostgreSQL."""

from resources.state.errors import (
    StateSchemaError,
    StateStoreError,
    StateUnavailableError,
    StateUrlError,
    SyncOwnerError,
    UnknownSyncError,
)
from resources.state.migrations import SCHEMA_VERSION
from resources.state.models import (
    DELETION_HINT_EVENT_TYPE,
    EventStatus,
    InboxEvent,
    LedgerRecord,
    PageOutcome,
    RecordChange,
    RecordState,
    SyncRow,
    SyncStatus,
)
from resources.state.store import StateStore
from resources.state.user_locks import LockHolder

__all__ = [
    "DELETION_HINT_EVENT_TYPE",
    "SCHEMA_VERSION",
    "EventStatus",
    "InboxEvent",
    "LedgerRecord",
    "LockHolder",
    "PageOutcome",
    "RecordChange",
    "RecordState",
    "StateSchemaError",
    "StateStore",
    "StateStoreError",
    "StateUnavailableError",
    "StateUrlError",
    "SyncOwnerError",
    "SyncRow",
    "SyncStatus",
    "UnknownSyncError",
]
