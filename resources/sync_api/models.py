"""What the Sync API returns, as frozen dataclasses parsed tolerantly from its JSON.

Both documented spellings are read (camelCase current docs, snake_case old docs); fields the
docs do not name are ignored but kept in `raw`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from resources.sync_api.errors import SyncApiProtocolError

# Epoch numbers below this are seconds, above it milliseconds: 1e11 seconds is the year 5138,
# 1e11 milliseconds is 1973, so no real timestamp is ambiguous.
_EPOCH_MS_THRESHOLD = 100_000_000_000

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
    """Status of a sync (SPEC.md section 2.3)."""

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
            total_records=_int(obj, "totalRecords", "total_records"),
            synced_records_count=_int(obj, "syncedRecordsCount", "synced_records_count"),
            last_synced_at=_timestamp(obj, "lastSyncedAt", "last_synced_at"),
            latest_cursor=_str(obj, "latestCursor", "latest_cursor"),
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
        data = _object(obj, "sync")
        # Some responses wrap the sync in `data`; unwrap when the top level is only a wrapper.
        inner = data.get("data")
        if isinstance(inner, Mapping) and "status" not in data and "id" not in data:
            data = _object(inner, "sync")
        sync_id = _str(data, "id") or default_id
        if not sync_id:
            raise SyncApiProtocolError("The Sync API returned a sync without an id.")
        summary = data.get("summary")
        return cls(
            id=sync_id,
            integration=_str(data, "integration") or "",
            pipeline=_str(data, "pipeline") or "",
            status=SyncStatus.parse(data.get("status")),
            user_id=_str(data, "userId", "user_id"),
            project_id=_str(data, "projectId", "project_id"),
            configuration_name=_str(data, "configurationName", "configuration_name"),
            credential_id=_str(data, "credentialId", "credential_id"),
            reason=_str(data, "reason"),
            summary=SyncSummary.from_json(summary) if isinstance(summary, Mapping) else None,
            date_created=_timestamp(data, "dateCreated", "date_created"),
            date_updated=_timestamp(data, "dateUpdated", "date_updated"),
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
        data = _object(obj, "record")
        record_id = _str(data, "id")
        if not record_id:
            raise SyncApiProtocolError("The Sync API returned a record without an id.")
        return cls(
            id=record_id,
            external_id=_str(data, "externalId", "external_id"),
            name=_str(data, "name"),
            mime_type=_str(data, "mimeType", "mime_type"),
            size=_int(data, "size"),
            url=_str(data, "url"),
            created_at=_str(data, "createdAt", "created_at"),
            updated_at=_str(data, "updatedAt", "updated_at"),
            deleted=_truthy(_first(data, "deleted", "isDeleted", "is_deleted")),
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

    @classmethod
    def from_json(cls, obj: object) -> RecordPage:
        body = _object(obj, "record page")
        items = _first(body, "data", "records")
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
            cursor=_str(paging, "cursor"),
            total_records=_int(paging, "totalRecords", "total_records"),
            total_active_records=_int(paging, "totalActiveRecords", "total_active_records"),
            remaining_records=_int(paging, "remainingRecords", "remaining_records"),
            last_seen=_timestamp(paging, "lastSeen", "last_seen"),
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
        data = _object(obj, "access check")
        return cls(
            object=_str(data, "object") or "",
            user=_str(data, "user") or "",
            # An older doc variant names the field `relation`.
            role=_str(data, "role", "relation") or "",
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
        data = _object(obj, "access check result")
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


def parse_timestamp(value: object) -> datetime | None:
    """A UTC datetime from epoch seconds or milliseconds (number or numeric string) or ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SyncApiProtocolError(f"The Sync API returned {value!r} where a timestamp belongs.")
    if isinstance(value, str) and _is_number(value.strip()):
        value = float(value.strip())
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _EPOCH_MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise SyncApiProtocolError(
                f"The Sync API returned epoch timestamp {value!r}, which is out of range."
            ) from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise SyncApiProtocolError(
                f"The Sync API returned timestamp {value[:40]!r}, which is neither epoch "
                "milliseconds nor ISO 8601."
            ) from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise SyncApiProtocolError(f"The Sync API returned {value!r} where a timestamp belongs.")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _object(obj: object, what: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise SyncApiProtocolError(
            f"The Sync API returned a {type(obj).__name__} where a {what} object belongs."
        )
    return obj


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def _str(data: Mapping[str, Any], *keys: str) -> str | None:
    value = _first(data, *keys)
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        raise SyncApiProtocolError(f"The Sync API returned {keys[0]} as {value!r}, not a string.")
    return str(value)


def _int(data: Mapping[str, Any], *keys: str) -> int | None:
    value = _first(data, *keys)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise SyncApiProtocolError(f"The Sync API returned {keys[0]} as {value!r}, not an integer.")


def _timestamp(data: Mapping[str, Any], *keys: str) -> datetime | None:
    return parse_timestamp(_first(data, *keys))


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)
