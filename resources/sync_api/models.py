"""What the Sync API returns, as frozen dataclasses parsed tolerantly from its JSON.

Both documented spellings are read (camelCase current docs, snake_case old docs); fields the
docs do not name are ignored but kept in `raw`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from resources.sync_api.errors import SyncApiProtocolError
from resources.sync_api.json_fields import (
    as_object,
    first,
    int_field,
    str_field,
    timestamp_field,
    truthy,
)

# Event names as the different doc pages spell them, mapped to one canonical name each.
_EVENT_ALIASES = {"sync_completed": "sync_complete", "initial_sync_completed": "sync_complete"}
KNOWN_EVENTS = frozenset(
    {
        "sync_complete",
        "sync_errored",
        "record_created",
        "record_updated",
        "record_deleted",
        "record_errored",
    }
)


def normalize_event_name(name: str) -> str:
    """The canonical snake_case name of a webhook event.

    `recordCreated` -> `record_created`; `sync_completed` (Sync API page) -> `sync_complete`
    (webhooks page). Unknown names come back normalised the same way, not rejected.
    """
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.strip()).lower().replace("-", "_")
    return _EVENT_ALIASES.get(snake, snake)


class SyncStatus(Enum):
    """Status of a sync (docs/sync-api.md section 2.3)."""

    INITIALIZING = "INITIALIZING"
    ACTIVE = "ACTIVE"
    IDLE = "IDLE"
    DISABLED = "DISABLED"
    ERRORED = "ERRORED"

    @classmethod
    def parse(cls, value: object) -> SyncStatus:
        """Reads a status in any case; the old docs' `paused` is today's `DISABLED`."""
        if isinstance(value, str):
            upper = value.strip().upper()
            if upper == "PAUSED":
                return cls.DISABLED
            if upper in cls.__members__:
                return cls[upper]
        raise SyncApiProtocolError(
            f"The Sync API returned sync status {value!r}, which is not one of "
            f"{', '.join(cls.__members__)}: the client needs updating for it."
        )


@dataclass(frozen=True)
class SyncSummary:
    """Progress of a sync's runs."""

    total_records: int | None
    synced_records_count: int | None
    last_synced_at: datetime | None
    latest_cursor: str | None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> SyncSummary:
        return cls(
            total_records=int_field(obj, "totalRecords", "total_records"),
            synced_records_count=int_field(obj, "syncedRecordsCount", "synced_records_count"),
            last_synced_at=timestamp_field(obj, "lastSyncedAt", "last_synced_at"),
            latest_cursor=str_field(obj, "latestCursor", "latest_cursor"),
        )


@dataclass(frozen=True)
class Sync:
    """One sync of one user.

    `integration` and `pipeline` are empty strings when a response leaves them out (the Get Sync
    Status example does).
    """

    id: str
    integration: str
    pipeline: str
    status: SyncStatus
    user_id: str | None = None
    project_id: str | None = None
    configuration_name: str | None = None
    credential_id: str | None = None
    reason: str | None = None
    summary: SyncSummary | None = None
    date_created: datetime | None = None
    date_updated: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, hash=False, repr=False)

    @classmethod
    def from_json(cls, obj: object, *, default_id: str | None = None) -> Sync:
        """Parses a sync object; `default_id` fills `id` when the response omits it."""
        data = as_object(obj, "sync")
        # Some responses wrap the sync in `data`; unwrap when the top level is only a wrapper.
        inner = data.get("data")
        if isinstance(inner, Mapping) and "status" not in data and "id" not in data:
            data = as_object(inner, "sync")
        sync_id = str_field(data, "id") or default_id
        if not sync_id:
            raise SyncApiProtocolError("The Sync API returned a sync without an id.")
        summary = data.get("summary")
        return cls(
            id=sync_id,
            integration=str_field(data, "integration") or "",
            pipeline=str_field(data, "pipeline") or "",
            status=SyncStatus.parse(data.get("status")),
            user_id=str_field(data, "userId", "user_id"),
            project_id=str_field(data, "projectId", "project_id"),
            configuration_name=str_field(data, "configurationName", "configuration_name"),
            credential_id=str_field(data, "credentialId", "credential_id"),
            reason=str_field(data, "reason"),
            summary=SyncSummary.from_json(summary) if isinstance(summary, Mapping) else None,
            date_created=timestamp_field(data, "dateCreated", "date_created"),
            date_updated=timestamp_field(data, "dateUpdated", "date_updated"),
            raw=dict(data),
        )


@dataclass(frozen=True)
class SyncedRecord:
    """One Synced Object (file, contact, deal, ticket, ...) or a deletion tombstone.

    Timestamps stay strings, as given; `raw` is the whole record object.
    """

    id: str
    external_id: str | None
    name: str | None
    mime_type: str | None
    size: int | None
    url: str | None
    created_at: str | None
    updated_at: str | None
    deleted: bool
    raw: dict[str, Any] = field(default_factory=dict, hash=False, repr=False)

    @classmethod
    def from_json(cls, obj: object) -> SyncedRecord:
        data = as_object(obj, "record")
        record_id = str_field(data, "id")
        if not record_id:
            raise SyncApiProtocolError("The Sync API returned a record without an id.")
        return cls(
            id=record_id,
            external_id=str_field(data, "externalId", "external_id"),
            name=str_field(data, "name"),
            mime_type=str_field(data, "mimeType", "mime_type"),
            size=int_field(data, "size"),
            url=str_field(data, "url"),
            created_at=str_field(data, "createdAt", "created_at"),
            updated_at=str_field(data, "updatedAt", "updated_at"),
            deleted=truthy(first(data, "deleted", "isDeleted", "is_deleted")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class RecordPage:
    """One page of Pull Synced Records: the records and where to resume after them."""

    records: tuple[SyncedRecord, ...]
    cursor: str | None
    total_records: int | None = None
    total_active_records: int | None = None
    remaining_records: int | None = None
    last_seen: datetime | None = None

    @property
    def caught_up(self) -> bool:
        """True when nothing is left after this page (empty page or no remaining records)."""
        return not self.records or self.remaining_records == 0

    @property
    def position(self) -> int | None:
        """How many of the feed's records come before this page, by the page's own counts:
        `totalRecords` less this page's records and the `remainingRecords` after it
        (docs/sync-api.md section 2.6: 1 record + 999 remaining of 1000). None when a count is
        missing.

        A feed that skipped records shows it here: the page sits further along than the
        records delivered before it can account for.
        """
        if self.total_records is None or self.remaining_records is None:
            return None
        return self.total_records - len(self.records) - self.remaining_records

    @classmethod
    def from_json(cls, obj: object) -> RecordPage:
        body = as_object(obj, "record page")
        items = first(body, "data", "records")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise SyncApiProtocolError(
                "The Sync API returned a record page whose `data` is not a list."
            )
        paging = body.get("paging")
        # Old doc pages may carry the paging fields at the top level.
        paging = paging if isinstance(paging, Mapping) else body
        return cls(
            records=tuple(SyncedRecord.from_json(item) for item in items),
            cursor=str_field(paging, "cursor"),
            total_records=int_field(paging, "totalRecords", "total_records"),
            total_active_records=int_field(paging, "totalActiveRecords", "total_active_records"),
            remaining_records=int_field(paging, "remainingRecords", "remaining_records"),
            last_seen=timestamp_field(paging, "lastSeen", "last_seen"),
        )


@dataclass(frozen=True)
class Content:
    """A record's downloaded content and its MIME type."""

    data: bytes = field(repr=False)
    content_type: str


@dataclass(frozen=True)
class AccessCheck:
    """One question to the Permissions API: may `user` (an email) hold `role` on `object`?"""

    object: str
    user: str
    role: str = "can_read"

    def to_json(self) -> dict[str, str]:
        return {"object": self.object, "user": self.user, "role": self.role}

    @classmethod
    def from_json(cls, obj: object) -> AccessCheck:
        data = as_object(obj, "access check")
        return cls(
            object=str_field(data, "object") or "",
            user=str_field(data, "user") or "",
            # An older doc variant names the field `relation`.
            role=str_field(data, "role", "relation") or "",
        )


@dataclass(frozen=True)
class AccessCheckResult:
    """The answer to one AccessCheck; `request` is the API's echo (values as the API gives them)."""

    allowed: bool
    request: AccessCheck
    error: str | None = None

    @classmethod
    def from_json(cls, obj: object, *, sent: AccessCheck) -> AccessCheckResult:
        """Parses one batch result; `sent` stands in for the echo when the API leaves it out."""
        data = as_object(obj, "access check result")
        allowed = data.get("allowed")
        error = data.get("error")
        error_text = None if error is None else str(error)
        if not isinstance(allowed, bool):
            if error_text is None:
                raise SyncApiProtocolError(
                    "The Permissions API returned a batch-check result with neither a boolean "
                    "`allowed` nor an `error`."
                )
            allowed = False
        echo = data.get("request")
        request = AccessCheck.from_json(echo) if isinstance(echo, Mapping) else sent
        return cls(allowed=allowed, request=request, error=error_text)
