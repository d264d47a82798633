"""Typed errors raised by the state DB, each with a message a person can act on."""

from __future__ import annotations

__all__ = [
    "StateSchemaError",
    "StateStoreError",
    "StateUnavailableError",
    "StateUrlError",
    "SyncOwnerError",
    "UnknownSyncError",
]


class StateStoreError(Exception):
    """Base class of every error the state DB raises on purpose."""


class StateUrlError(StateStoreError, ValueError):
    """SYNCRAG_STATE_URL (or the schema option) does not name a usable database."""


class StateUnavailableError(StateStoreError):
    """The database named by SYNCRAG_STATE_URL could not be reached."""


class StateSchemaError(StateStoreError):
    """The database's tables are missing or newer than this version of syncrag knows."""


class UnknownSyncError(StateStoreError, LookupError):
    """An operation named a sync the state DB has never recorded."""

    def __init__(self, sync_id: str) -> None:
        super().__init__(
            f"sync {sync_id!r} is not in the state DB; record it with upsert_sync() first."
        )
        self.sync_id = sync_id


class SyncOwnerError(StateStoreError):
    """A sync was addressed on behalf of a user who does not own it."""

    def __init__(self, sync_id: str, user_id: str) -> None:
        super().__init__(
            f"sync {sync_id!r} belongs to another user than {user_id!r}; "
            "a sync never moves between users, so check which user's data is being processed."
        )
        self.sync_id = sync_id
        self.user_id = user_id
