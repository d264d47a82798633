"""The SPEC validators accept SPEC.md's own examples and reject what the SPEC does not allow."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.contract import spec_models as spec

# Verbatim from SPEC.md sections 2 and 3.
ENABLE = {
    "id": "a11347bd-d510-5489-9068-e5fded55a28c",
    "userId": "user-42",
    "integration": "googledrive",
    "pipeline": "files",
    "projectId": "1ea8024c-23a7-4885-b925-c50d0faf9318",
    "status": "INITIALIZING",
}
LIST = {
    "data": [
        {
            "id": "a11347bd-d510-5489-9068-e5fded55a28c",
            "integration": "googledrive",
            "pipeline": "files",
            "status": "IDLE",
            "configurationName": "default",
            "dateCreated": "2025-07-07T18:00:00Z",
            "dateUpdated": "2025-07-07T19:00:00Z",
        }
    ]
}
STATUS = {
    "status": "IDLE",
    "credentialId": "0aea7d3a-b5f7-4488-890e-d51a5cf4f8f1",
    "summary": {
        "totalRecords": 1000,
        "syncedRecordsCount": 1000,
        "lastSyncedAt": "2025-07-07T19:00:00.000Z",
        "latestCursor": "Y3Vyc29yOjEwMDA=",
    },
}
UPDATE = {
    "id": "a11347bd-d510-5489-9068-e5fded55a28c",
    "data": {"incrementalAccumulatorFrequency": "5m"},
    "message": "Update request accepted and is being processed",
}
FILE = {
    "id": "3ce16e33-0163-564d-98ce-99b0a25ab375",
    "externalId": "1AbCdEf",
    "name": "Q2 plan.docx",
    "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "size": 48231,
    "url": "https://docs.google.com/document/d/1AbCdEf",
    "createdAt": "2025-06-01T10:00:00Z",
    "updatedAt": "2025-07-01T09:30:00Z",
    "parentFolderId": "0BxFolder",
}
PAGE = {
    "data": [FILE],
    "paging": {
        "totalRecords": 1000,
        "totalActiveRecords": 998,
        "remainingRecords": 999,
        "cursor": "Y3Vyc29yOjE=",
        "lastSeen": 1751360000000,
    },
}
OBJECT = "a657df3b-17e2-5989-bc5f-13ddb7fdab41"
BATCH = {
    "result": [
        {
            "allowed": True,
            "request": {"object": OBJECT, "user": "user:ana@acme.com", "role": "can_read"},
        }
    ]
}

Mutation = Callable[[dict[str, Any]], Any]


def _changed(example: dict[str, Any], mutate: Mutation) -> dict[str, Any]:
    body = copy.deepcopy(example)
    mutate(body)
    return body


def test_the_specs_own_examples_are_valid() -> None:
    spec.validate_enable(ENABLE)
    spec.validate_list_syncs(LIST)
    spec.validate_sync_status(STATUS)
    spec.validate_update(UPDATE)
    spec.validate_records_page(PAGE, "files")
    spec.validate_get_record({"data": FILE}, "files")
    spec.validate_check({"hasAccess": True})
    spec.validate_batch_check(BATCH, sent=1)
    spec.validate_list_users({"users": ["ana@acme.com"]})
    spec.validate_list_objects({"objects": [OBJECT]})


@pytest.mark.parametrize(
    ("validate", "body", "where"),
    [
        (spec.validate_enable, _changed(ENABLE, lambda b: b.pop("projectId")), "$.projectId"),
        (spec.validate_enable, _changed(ENABLE, lambda b: b.update(status="active")), "$.status"),
        (spec.validate_enable, _changed(ENABLE, lambda b: b.update(id="sync-1")), "$.id"),
        (spec.validate_list_syncs, LIST["data"], "$"),
        (
            spec.validate_list_syncs,
            _changed(LIST, lambda b: b["data"][0].update(dateCreated="yesterday")),
            "$.data[0].dateCreated",
        ),
        (
            spec.validate_sync_status,
            _changed(STATUS, lambda b: b["summary"].update(totalRecords="1000")),
            "$.summary.totalRecords",
        ),
        (spec.validate_update, _changed(UPDATE, lambda b: b.pop("message")), "$.message"),
        (
            lambda body: spec.validate_records_page(body, "files"),
            _changed(PAGE, lambda b: b["paging"].pop("cursor")),
            "$.paging.cursor",
        ),
        (
            lambda body: spec.validate_records_page(body, "files"),
            _changed(PAGE, lambda b: b["paging"].update(totalActiveRecords=1001)),
            "$.paging.totalActiveRecords",
        ),
        (
            lambda body: spec.validate_records_page(body, "files"),
            _changed(PAGE, lambda b: b["data"][0].update(size=-1)),
            "$.data[0].size",
        ),
        (
            lambda body: spec.validate_records_page(body, "files"),
            _changed(PAGE, lambda b: b["data"][0].update(deleted=True)),
            "$.data[0]",
        ),
        (lambda body: spec.validate_get_record(body, "files"), FILE, "$.data"),
        (
            lambda body: spec.validate_get_record(body, "tickets"),
            {"data": {"id": OBJECT, "externalId": "T-1", "title": "T", "status": "open"}},
            "$.data.status",
        ),
        (spec.validate_check, {"hasAccess": "true"}, "$.hasAccess"),
        (lambda body: spec.validate_batch_check(body, sent=2), BATCH, "$.result"),
        (spec.validate_list_objects, {"objects": ["file-1"]}, "$.objects[0]"),
        (spec.validate_list_users, {"users": "ana@acme.com"}, "$.users"),
        (spec.validate_error, {"error": "Unauthorized"}, "$.message"),
    ],
)
def test_a_body_outside_the_spec_is_rejected_at_its_path(
    validate: Callable[[Any], None], body: Any, where: str
) -> None:
    with pytest.raises(spec.SpecViolation) as caught:
        validate(body)
    assert caught.value.path == where


def test_a_tombstone_keeps_only_its_ids() -> None:
    tombstone = {"id": FILE["id"], "externalId": "1AbCdEf", "deleted": True}
    spec.validate_record(tombstone, "files")
    with pytest.raises(spec.SpecViolation, match="tombstone"):
        spec.validate_record({**tombstone, "name": "Q2 plan.docx"}, "files")


def test_an_empty_page_may_lack_a_cursor_but_a_full_one_may_not() -> None:
    paging = {"totalRecords": 0, "totalActiveRecords": 0, "remainingRecords": 0, "cursor": None}
    spec.validate_records_page({"data": [], "paging": {**paging, "lastSeen": None}}, "files")
    with pytest.raises(spec.SpecViolation):
        spec.validate_records_page({"data": [FILE], "paging": paging}, "files")
