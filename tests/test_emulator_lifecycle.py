"""Sync lifecycle of the emulator: enable, initial/incremental/full scans, pause, errors, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from emulator import EmulatorConfig
from emulator.testing import Harness, WebhookRecorder, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = support.source_folder(tmp_path / "root", "alice")
    (folder / "a.md").write_text("# A\n")
    (folder / "b.txt").write_text("bee\n")
    return tmp_path / "root"


@pytest.fixture
def recorder() -> WebhookRecorder:
    return WebhookRecorder()


@pytest.fixture
def config(root: Path, keys: tuple[str, str]) -> EmulatorConfig:
    return EmulatorConfig(
        root=root,
        public_key_pem=keys[1],
        webhook_url="http://receiver.test/hooks",
        webhook_backoff_s=0.0,
    )


@pytest.fixture
async def emu(
    config: EmulatorConfig, keys: tuple[str, str], recorder: WebhookRecorder
) -> AsyncIterator[Harness]:
    async with harness(config, keys[0], webhook_transport=recorder.transport) as h:
        yield h


async def _status(emu: Harness, user: str, sync_id: str) -> dict:
    response = await emu.client.get(f"/api/syncs/{sync_id}", headers=emu.headers(user))
    response.raise_for_status()
    return response.json()


async def test_enable_answers_the_documented_shape_and_starts_initializing(emu: Harness) -> None:
    response = await emu.client.post(
        "/api/syncs",
        json={"integration": "googledrive", "pipeline": "files", "configuration": {}},
        headers=emu.headers("alice"),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "userId", "integration", "pipeline", "projectId", "status"}
    assert body["userId"] == "alice"
    assert body["projectId"] == emu.config.project_id
    assert body["status"] == "INITIALIZING"


async def test_second_identical_enable_returns_the_same_sync(emu: Harness) -> None:
    first = await emu.enable("alice")
    assert await emu.enable("alice") == first
    other = await emu.enable("alice", configurationName="second")
    assert other != first
    listed = await emu.client.get("/api/syncs", headers=emu.headers("alice"))
    assert sorted(item["id"] for item in listed.json()["data"]) == sorted([first, other])


@pytest.mark.parametrize(
    "body",
    [
        {"pipeline": "files"},
        {"integration": "googledrive"},
        {"integration": "googledrive", "pipeline": "emails"},
        {"integration": "../etc", "pipeline": "files"},
        {"integration": "googledrive", "pipeline": "files", "configuration": []},
    ],
)
async def test_enable_rejects_an_invalid_body_with_a_message(emu: Harness, body: dict) -> None:
    response = await emu.client.post("/api/syncs", json=body, headers=emu.headers("alice"))
    assert response.status_code == 400
    assert response.json()["message"]


async def test_initial_sync_reaches_idle_with_summary_and_sync_complete(
    emu: Harness, recorder: WebhookRecorder
) -> None:
    sync_id = await emu.enable("alice")
    assert await emu.run(sync_id, "initial") == {
        "kind": "initial",
        "created": 2,
        "updated": 0,
        "deleted": 0,
    }
    status = await _status(emu, "alice", sync_id)
    assert status["status"] == "IDLE"
    summary = status["summary"]
    assert summary["totalRecords"] == summary["syncedRecordsCount"] == 2
    assert summary["lastSyncedAt"].endswith("Z")
    page = await emu.page("alice", sync_id)
    assert summary["latestCursor"] == page["paging"]["cursor"]
    await emu.flush()
    assert recorder.names() == ["sync_complete"]
    event = recorder.events[0]
    assert event["syncInstanceId"] == sync_id
    assert event["sync"] == "googledrive"
    assert event["user"] == {"id": "alice"}
    assert event["credentialId"] == status["credentialId"]
    assert event["data"]["model"] == "files"
    assert event["data"]["numRecords"] == 2


async def test_scans_out_of_order_are_refused(emu: Harness) -> None:
    sync_id = await emu.enable("alice")
    early = await emu.client.post(f"/_emulator/syncs/{sync_id}/run", json={"kind": "full"})
    assert early.status_code == 409
    await emu.run(sync_id, "initial")
    again = await emu.client.post(f"/_emulator/syncs/{sync_id}/run", json={"kind": "initial"})
    assert again.status_code == 409


async def test_disabled_sync_does_not_scan_until_reenabled(emu: Harness, root: Path) -> None:
    sync_id = await emu.enable("alice")
    await emu.run(sync_id, "initial")
    disabled = await emu.client.post(f"/api/syncs/{sync_id}/disable", headers=emu.headers("alice"))
    assert disabled.json()["status"] == "DISABLED"
    (root / "alice" / "googledrive" / "files" / "c.md").write_text("new")
    refused = await emu.client.post(f"/_emulator/syncs/{sync_id}/run", json={"kind": "full"})
    assert refused.status_code == 409
    everything = await emu.client.post("/_emulator/scan", json={"kind": "full"})
    assert everything.json()["results"] == [{"syncId": sync_id, "skipped": "DISABLED"}]
    # Records stay readable while paused.
    assert (await emu.page("alice", sync_id))["paging"]["totalRecords"] == 2

    reenabled = await emu.client.post(
        f"/api/syncs/{sync_id}/reenable", headers=emu.headers("alice")
    )
    assert reenabled.json()["status"] == "IDLE"
    assert (await emu.run(sync_id, "incremental"))["created"] == 1


async def test_reenable_of_a_never_synced_sync_goes_back_to_initializing(emu: Harness) -> None:
    sync_id = await emu.enable("alice")
    await emu.client.post(f"/api/syncs/{sync_id}/disable", headers=emu.headers("alice"))
    await emu.client.post(f"/api/syncs/{sync_id}/reenable", headers=emu.headers("alice"))
    assert (await _status(emu, "alice", sync_id))["status"] == "INITIALIZING"


async def test_errored_sync_reports_reason_and_webhook_until_reenabled(
    emu: Harness, recorder: WebhookRecorder
) -> None:
    sync_id = await emu.enable("alice")
    await emu.run(sync_id, "initial")
    await emu.client.post(f"/_emulator/syncs/{sync_id}/error", json={"message": "Token revoked"})
    status = await _status(emu, "alice", sync_id)
    assert (status["status"], status["reason"]) == ("ERRORED", "Token revoked")
    await emu.flush()
    assert recorder.events[-1]["event"] == "sync_errored"
    assert recorder.events[-1]["error"] == {"message": "Token revoked"}
    assert "data" not in recorder.events[-1]

    await emu.client.post(f"/api/syncs/{sync_id}/reenable", headers=emu.headers("alice"))
    status = await _status(emu, "alice", sync_id)
    assert status["status"] == "IDLE"
    assert "reason" not in status


async def test_delete_removes_sync_and_records_and_reenable_gives_the_same_id(
    emu: Harness,
) -> None:
    sync_id = await emu.enable("alice")
    await emu.run(sync_id, "initial")
    old_items, old_cursor = await emu.listing("alice", sync_id)
    deleted = await emu.client.delete(f"/api/syncs/{sync_id}", headers=emu.headers("alice"))
    assert deleted.status_code == 200
    for path in (f"/api/syncs/{sync_id}", f"/api/syncs/{sync_id}/records"):
        gone = await emu.client.get(path, headers=emu.headers("alice"))
        assert (gone.status_code, gone.json()) == (404, {"message": "Sync not found"})
    again = await emu.client.delete(f"/api/syncs/{sync_id}", headers=emu.headers("alice"))
    assert again.status_code == 404

    assert await emu.enable("alice") == sync_id
    assert (await _status(emu, "alice", sync_id))["status"] == "INITIALIZING"
    assert (await emu.page("alice", sync_id))["data"] == []
    await emu.run(sync_id, "initial")
    # A cursor saved from the old incarnation still yields every record of the new one.
    new_items, _ = await emu.listing("alice", sync_id, cursor=old_cursor)
    assert sorted(item["id"] for item in new_items) == sorted(item["id"] for item in old_items)


async def test_patch_answers_accepted_and_validates(emu: Harness) -> None:
    sync_id = await emu.enable("alice")
    response = await emu.client.patch(
        f"/api/syncs/{sync_id}",
        json={"incrementalAccumulatorFrequency": "5m"},
        headers=emu.headers("alice"),
    )
    assert response.json() == {
        "id": sync_id,
        "data": {"incrementalAccumulatorFrequency": "5m"},
        "message": "Update request accepted and is being processed",
    }
    for body in ({}, {"incrementalAccumulatorFrequency": "often"}, {"credentialId": 7}):
        bad = await emu.client.patch(
            f"/api/syncs/{sync_id}", json=body, headers=emu.headers("alice")
        )
        assert bad.status_code == 400


async def test_list_filters_by_credential(emu: Harness) -> None:
    credential = "0aea7d3a-b5f7-4488-890e-d51a5cf4f8f1"
    first = await emu.enable("alice", credentialId=credential)
    second = await emu.enable("alice", pipeline="contacts")
    listed = await emu.client.get(
        "/api/syncs", params={"credentialId": credential}, headers=emu.headers("alice")
    )
    assert [item["id"] for item in listed.json()["data"]] == [first]
    everything = await emu.client.get("/api/syncs", headers=emu.headers("alice"))
    assert {item["id"] for item in everything.json()["data"]} == {first, second}
    item = everything.json()["data"][0]
    assert {"id", "integration", "pipeline", "status", "configurationName"} <= set(item)


async def test_patching_the_credential_triggers_a_full_sync_in_the_background(
    config: EmulatorConfig, keys: tuple[str, str], root: Path, recorder: WebhookRecorder
) -> None:
    config.initial_sync_delay = 0.0
    async with harness(
        config, keys[0], background=True, webhook_transport=recorder.transport
    ) as emu:
        sync_id = await emu.enable("alice")
        with anyio.fail_after(20):
            while recorder.names() != ["sync_complete"]:
                await anyio.sleep(0.05)
        assert (await _status(emu, "alice", sync_id))["status"] == "IDLE"

        # Deletions show up only after a full sync; a new credential asks for one.
        (root / "alice" / "googledrive" / "files" / "a.md").unlink()
        await emu.client.patch(
            f"/api/syncs/{sync_id}",
            json={"credentialId": "0aea7d3a-b5f7-4488-890e-d51a5cf4f8f1"},
            headers=emu.headers("alice"),
        )
        with anyio.fail_after(20):
            while "record_deleted" not in recorder.names():
                await anyio.sleep(0.05)
        page = await emu.page("alice", sync_id)
        assert page["paging"]["totalActiveRecords"] == 1
