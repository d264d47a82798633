"""Strict validators of the Sync API's JSON answers, written from SPEC.md section 2 and 3 alone.

Each `validate_*` function takes a decoded JSON body and raises SpecViolation naming the JSON
path of the first field that is missing or of the wrong type. Fields the SPEC does not name are
allowed (the docs say pages may list more fields); documented fields must have documented types.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "SYNC_STATUSES",
    "SpecViolation",
    "validate_batch_check",
    "validate_check",
    "validate_enable",
    "validate_error",
    "validate_get_record",
    "validate_list_objects",
    "validate_list_syncs",
    "validate_list_users",
    "validate_record",
    "validate_records_page",
    "validate_sync_status",
    "validate_update",
]

SYNC_STATUSES = frozenset({"INITIALIZING", "ACTIVE", "IDLE", "DISABLED", "ERRORED"})
ROLES = frozenset({"can_read", "can_write", "is_owner"})
TICKET_PRIORITIES = frozenset({"low", "normal", "high", "urgent"})
TOMBSTONE_FIELDS = frozenset({"id", "externalId", "deleted"})


class SpecViolation(AssertionError):
    """A response does not have the shape SPEC.md documents; `path` is where (`$.data[3].id`)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


Check = Callable[[Any, str], object]


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecViolation(path, f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise SpecViolation(path, f"expected an array, got {type(value).__name__}")
    return value


def _string(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise SpecViolation(path, f"expected a string, got {value!r}")


def _integer(value: Any, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpecViolation(path, f"expected an integer, got {value!r}")
    if value < 0:
        raise SpecViolation(path, f"expected a count (>= 0), got {value}")


def _number(value: Any, path: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise SpecViolation(path, f"expected a number, got {value!r}")


def _boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise SpecViolation(path, f"expected a boolean, got {value!r}")


def _uuid(value: Any, path: str) -> None:
    _string(value, path)
    try:
        uuid.UUID(value)
    except ValueError:
        raise SpecViolation(path, f"expected a UUID string, got {value!r}") from None


def _date_time(value: Any, path: str) -> None:
    _string(value, path)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SpecViolation(path, f"expected an ISO 8601 date-time, got {value!r}") from None
    if parsed.tzinfo is None:
        raise SpecViolation(path, f"expected a date-time with a time zone, got {value!r}")


def _one_of(allowed: frozenset[str]) -> Check:
    def check(value: Any, path: str) -> None:
        if value not in allowed:
            raise SpecViolation(path, f"expected one of {sorted(allowed)}, got {value!r}")

    return check


def _nullable(check: Check) -> Check:
    def nullable(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    return nullable


def _fields(
    obj: Mapping[str, Any],
    path: str,
    required: Mapping[str, Check],
    optional: Mapping[str, Check] | None = None,
) -> None:
    for name, check in required.items():
        if name not in obj:
            raise SpecViolation(f"{path}.{name}", "required field is missing")
        check(obj[name], f"{path}.{name}")
    for name, check in (optional or {}).items():
        if name in obj:
            check(obj[name], f"{path}.{name}")


_SYNC_OPTIONAL: dict[str, Check] = {
    "userId": _string,
    "projectId": _string,
    "configurationName": _string,
    "credentialId": _string,
    "reason": _string,
    "dateCreated": _date_time,
    "dateUpdated": _date_time,
}


def validate_enable(body: Any) -> None:
    """Enable a Sync (SPEC 2.1): id, userId, integration, pipeline, projectId, status."""
    sync = _object(body, "$")
    _fields(
        sync,
        "$",
        {
            "id": _uuid,
            "userId": _string,
            "integration": _string,
            "pipeline": _string,
            "projectId": _string,
            "status": _one_of(SYNC_STATUSES),
        },
    )


def _summary(value: Any, path: str) -> None:
    # `lastSyncedAt` confirms a successful run (SPEC 2.3), so before the first run it may be
    # absent or null, and so may the cursor of an empty feed.
    summary = _object(value, path)
    _fields(
        summary,
        path,
        {"totalRecords": _integer, "syncedRecordsCount": _integer},
        {"lastSyncedAt": _nullable(_date_time), "latestCursor": _nullable(_string)},
    )


def validate_sync_status(body: Any) -> None:
    """Get Sync Status (SPEC 2.3): status, optional summary {counts, lastSyncedAt, cursor}."""
    sync = _object(body, "$")
    _fields(
        sync,
        "$",
        {"status": _one_of(SYNC_STATUSES)},
        {"id": _uuid, "integration": _string, "pipeline": _string, "summary": _summary}
        | _SYNC_OPTIONAL,
    )


def validate_list_syncs(body: Any) -> None:
    """List Syncs (SPEC 2.2): `{"data": [{id, integration, pipeline, status, ...}]}`."""
    wrapper = _object(body, "$")
    _fields(wrapper, "$", {"data": _list})
    for index, item in enumerate(wrapper["data"]):
        path = f"$.data[{index}]"
        _fields(
            _object(item, path),
            path,
            {
                "id": _uuid,
                "integration": _string,
                "pipeline": _string,
                "status": _one_of(SYNC_STATUSES),
            },
            _SYNC_OPTIONAL,
        )


def validate_update(body: Any) -> None:
    """Update a Sync (SPEC 2.4): `{"id", "data": {accepted fields}, "message"}`."""
    answer = _object(body, "$")
    _fields(answer, "$", {"id": _uuid, "data": _object, "message": _string})


_FILE_FIELDS: dict[str, Check] = {
    "externalId": _string,
    "name": _string,
    "mimeType": _string,
    "size": _integer,
    "url": _string,
    "createdAt": _date_time,
    "updatedAt": _date_time,
    "parentFolderId": _string,
}
# SPEC 5 lists `hash` without marking it optional, but the SPEC 2.6 page example leaves it out.
_FILE_OPTIONAL: dict[str, Check] = {"hash": _object, "thumbnailUrl": _string}
_TICKET_REQUIRED: dict[str, Check] = {
    "externalId": _string,
    "title": _string,
    "status": _object,
    "priority": _one_of(TICKET_PRIORITIES),
    "type": _string,
    "assignees": _list,
    "originalRecord": _object,
}
_TICKET_OPTIONAL: dict[str, Check] = {"description": _string, "tags": _list}
_CRM_OPTIONAL: dict[str, Check] = {
    "externalId": _string,
    "createdAt": _date_time,
    "updatedAt": _date_time,
    "emails": _list,
    "phoneNumbers": _list,
    "tags": _list,
    "customFields": _object,
}


def validate_record(value: Any, pipeline: str, path: str = "$") -> None:
    """One Synced Object of `pipeline` (SPEC 5), or a tombstone: exactly id, externalId, deleted."""
    record = _object(value, path)
    _fields(record, path, {"id": _uuid})
    if record.get("deleted") is True:
        if set(record) != TOMBSTONE_FIELDS:
            raise SpecViolation(path, f"a tombstone keeps only {sorted(TOMBSTONE_FIELDS)}")
        _string(record["externalId"], f"{path}.externalId")
        return
    if "deleted" in record:
        _boolean(record["deleted"], f"{path}.deleted")
    if pipeline == "files":
        _fields(record, path, _FILE_FIELDS, _FILE_OPTIONAL)
    elif pipeline == "tickets":
        _fields(record, path, _TICKET_REQUIRED, _TICKET_OPTIONAL)
    else:
        _fields(record, path, {}, _CRM_OPTIONAL)


def _paging(value: Any, path: str, empty_page: bool) -> None:
    paging = _object(value, path)
    # On an empty page of an empty feed there is no record to point a cursor at.
    cursor_check: Check = _nullable(_string) if empty_page else _string
    last_seen_check: Check = _nullable(_number_or_date_time) if empty_page else _number_or_date_time
    _fields(
        paging,
        path,
        {
            "totalRecords": _integer,
            "totalActiveRecords": _integer,
            "remainingRecords": _integer,
            "cursor": cursor_check,
        },
        {"lastSeen": last_seen_check},
    )
    if paging["totalActiveRecords"] > paging["totalRecords"]:
        raise SpecViolation(f"{path}.totalActiveRecords", "exceeds totalRecords")


def _number_or_date_time(value: Any, path: str) -> None:
    # CURRENT docs show a number (epoch ms); OLD docs and the sample app a date-time string.
    if isinstance(value, str):
        _date_time(value, path)
    else:
        _number(value, path)


def validate_records_page(body: Any, pipeline: str) -> None:
    """Pull Synced Records (SPEC 2.6): `{"data": [records], "paging": {counts, cursor, ...}}`."""
    page = _object(body, "$")
    _fields(page, "$", {"data": _list, "paging": _object})
    for index, item in enumerate(page["data"]):
        validate_record(item, pipeline, f"$.data[{index}]")
    _paging(page["paging"], "$.paging", empty_page=not page["data"])


def validate_get_record(body: Any, pipeline: str) -> None:
    """Get Synced Record (SPEC 2.7): the record wrapped in `{"data": ...}`, never a tombstone."""
    wrapper = _object(body, "$")
    _fields(wrapper, "$", {"data": _object})
    if wrapper["data"].get("deleted") is True:
        raise SpecViolation("$.data", "a deleted record's metadata is gone (SPEC 2.7, 4)")
    validate_record(wrapper["data"], pipeline, "$.data")


def validate_check(body: Any) -> None:
    """Check Access (SPEC 3): `{"hasAccess": bool}`."""
    _fields(_object(body, "$"), "$", {"hasAccess": _boolean})


def _check_request(value: Any, path: str) -> None:
    request = _object(value, path)
    _fields(request, path, {"object": _string, "user": _string})
    if "role" not in request and "relation" not in request:
        raise SpecViolation(f"{path}.role", "required field is missing")


def validate_batch_check(body: Any, sent: int) -> None:
    """Batch Check (SPEC 3): `{"result": [{allowed, request, error?}]}`, one per check sent."""
    wrapper = _object(body, "$")
    _fields(wrapper, "$", {"result": _list})
    if len(wrapper["result"]) != sent:
        raise SpecViolation("$.result", f"expected {sent} results, got {len(wrapper['result'])}")
    for index, item in enumerate(wrapper["result"]):
        path = f"$.result[{index}]"
        _fields(_object(item, path), path, {"allowed": _boolean}, {"error": _string})
        if "request" in item and "error" not in item:
            _check_request(item["request"], f"{path}.request")


def _strings(key: str, item_check: Check) -> Callable[[Any], None]:
    def validate(body: Any) -> None:
        wrapper = _object(body, "$")
        _fields(wrapper, "$", {key: _list})
        for index, item in enumerate(wrapper[key]):
            item_check(item, f"$.{key}[{index}]")
        if len(wrapper[key]) > 1000:
            raise SpecViolation(f"$.{key}", "more than the documented 1000 items")

    return validate


validate_list_users = _strings("users", _string)
validate_list_users.__doc__ = 'List Users (SPEC 3): `{"users": [email]}`, at most 1000.'
validate_list_objects = _strings("objects", _uuid)
validate_list_objects.__doc__ = 'List Objects (SPEC 3): `{"objects": [uuid]}`, at most 1000.'


def validate_error(body: Any) -> None:
    """An error answer: SPEC 1 documents none; the emulator's decision is `{"message": str}`."""
    _fields(_object(body, "$"), "$", {"message": _string})
