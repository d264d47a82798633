"""Confirming access over a sync without permission sync: the 400 is the documented answer
(docs/sync-api.md section 3), withheld quietly; an outage is still a warning. Error messages
cite the contract the repository has, docs/sync-api.md."""

from __future__ import annotations

import logging

import pytest

from ingest.permissions import confirm_readers
from resources.sync_api import AccessCheck, RetryPolicy, SyncApiBadRequest
from tests.test_sync_api_support import FakeParagon, make_client, reply

NO_PERMISSIONS = {"message": "The Permissions API serves file storage syncs only."}


def test_a_sync_without_permission_sync_is_withheld_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = (
        FakeParagon()
        .on("POST", "/api/permissions/crm/batch-check", reply(400, NO_PERMISSIONS))
        .on("POST", "/api/permissions/tickets/batch-check", reply(404, {"message": "no"}))
        .on(
            "POST",
            "/api/permissions/drive/batch-check",
            reply(body={"result": [{"allowed": True, "request": {}}]}),
        )
    )
    client = make_client(fake, retry=RetryPolicy(max_attempts=1))
    records = [("crm", "deal"), ("tickets", "t1"), ("drive", "doc")]

    with caplog.at_level(logging.INFO):
        decisions = confirm_readers(client, "alice", "dan@example.com", records)

    assert decisions.allowed == {("drive", "doc")}
    assert decisions.unconfirmed == {("crm", "deal"), ("tickets", "t1")}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "sync crm has no permission data" in caplog.text


def test_an_outage_still_warns_and_withholds(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeParagon().on(
        "POST", "/api/permissions/drive/batch-check", reply(500, {"message": "down"})
    )
    client = make_client(fake, retry=RetryPolicy(max_attempts=1))

    decisions = confirm_readers(client, "alice", "dan@example.com", [("drive", "doc")])

    assert decisions.unconfirmed == {("drive", "doc")}
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_rejected_request_cites_the_contract_in_the_repository() -> None:
    fake = FakeParagon().on("POST", "/api/permissions/s1/batch-check", reply(400, {"x": 1}))
    client = make_client(fake, retry=RetryPolicy(max_attempts=1))

    with pytest.raises(SyncApiBadRequest) as raised:
        client.batch_check_access("alice", "s1", [AccessCheck("r1", "user:a@b.c", "can_read")])

    assert "docs/sync-api.md" in raised.value.message
    assert "SPEC.md" not in raised.value.message
