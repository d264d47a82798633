"""Content download from the emulator: file bytes and MIME types, ticket ZIPs, CRM refusals."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorConfig
from emulator.testing import Harness, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio
USER = "bob"

TICKET = {
    "externalId": "T-7",
    "title": "Printer on fire",
    "status": "open",
    "priority": "urgent",
    "type": "incident",
    "assignees": ["ops@example.com"],
    "description": "The **printer** is on fire.",
    "comments": [
        {"author": "ana", "body": "Have you tried water?", "createdAt": "2025-01-01T00:00:00Z"},
        {"author": "bo", "body": "Do not use water.", "createdAt": "2025-01-02T00:00:00Z"},
    ],
    "attachments": [{"name": "log.txt", "text": "smoke detected"}],
}


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def root(tmp_path: Path) -> Path:
    user = tmp_path / "root" / USER
    files = support.source_folder(tmp_path / "root", USER)
    (files / "notes.md").write_text("# Notes\n")
    (files / "data.csv").write_text("a,b\n1,2\n")
    (files / "report.pdf").write_bytes(b"%PDF-1.4 fake")
    (files / "deck.pptx").write_bytes(b"PK\x03\x04 fake pptx")
    (files / "blob.unknownext").write_bytes(b"\x00\x01")
    tickets = user / "jira" / "tickets"
    tickets.mkdir(parents=True)
    (tickets / "t7.json").write_text(json.dumps(TICKET))
    contacts = user / "hubspot" / "contacts"
    contacts.mkdir(parents=True)
    (contacts / "all.jsonl").write_text(json.dumps({"externalId": "c1", "firstName": "Ana"}))
    return tmp_path / "root"


@pytest.fixture
async def emu(root: Path, keys: tuple[str, str]) -> AsyncIterator[Harness]:
    config = EmulatorConfig(root=root, public_key_pem=keys[1])
    async with harness(config, keys[0]) as h:
        yield h


async def _records(emu: Harness, integration: str, pipeline: str) -> tuple[str, list[dict]]:
    sync_id = await emu.enable(USER, integration=integration, pipeline=pipeline)
    await emu.run(sync_id, "initial")
    items, _ = await emu.listing(USER, sync_id)
    return sync_id, items


async def _content(emu: Harness, sync_id: str, record_id: str) -> httpx.Response:
    return await emu.client.get(
        f"/api/syncs/{sync_id}/records/{record_id}/content", headers=emu.headers(USER)
    )


async def test_file_content_is_the_bytes_with_the_records_mime_type(
    emu: Harness, root: Path
) -> None:
    sync_id, items = await _records(emu, "googledrive", "files")
    expected = {
        "notes.md": "text/markdown",
        "data.csv": "text/csv",
        "report.pdf": "application/pdf",
        "deck.pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "blob.unknownext": "application/octet-stream",
    }
    assert {item["name"]: item["mimeType"] for item in items} == expected
    for item in items:
        response = await _content(emu, sync_id, item["id"])
        assert response.status_code == 200
        assert response.headers["content-type"] == item["mimeType"]
        source = (root / USER / "googledrive" / "files" / item["externalId"]).read_bytes()
        assert response.content == source
        assert item["size"] == len(source)


async def test_content_of_a_file_gone_from_the_source_is_404(emu: Harness, root: Path) -> None:
    sync_id, items = await _records(emu, "googledrive", "files")
    notes = next(item for item in items if item["name"] == "notes.md")
    (root / USER / "googledrive" / "files" / "notes.md").unlink()
    response = await _content(emu, sync_id, notes["id"])
    assert response.status_code == 404
    assert "full sync" in response.json()["message"]


async def test_ticket_record_and_zip_content(emu: Harness) -> None:
    sync_id, items = await _records(emu, "jira", "tickets")
    (ticket,) = items
    assert ticket["externalId"] == "T-7"
    assert ticket["title"] == "Printer on fire"
    assert ticket["status"] == {"name": "open"}
    assert ticket["priority"] == "urgent"
    assert ticket["assignees"] == ["ops@example.com"]
    assert ticket["description"] == TICKET["description"]
    assert ticket["originalRecord"] == TICKET

    response = await _content(emu, sync_id, ticket["id"])
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["T-7.md", "attachments/log.txt"]
    markdown = archive.read("T-7.md").decode()
    for text in ("Printer on fire", "urgent", "The **printer** is on fire.", "tried water", "ana"):
        assert text in markdown
    assert archive.read("attachments/log.txt") == b"smoke detected"


async def test_crm_content_is_404_with_an_explanation(emu: Harness) -> None:
    sync_id, items = await _records(emu, "hubspot", "contacts")
    response = await _content(emu, sync_id, items[0]["id"])
    assert response.status_code == 404
    assert "not available for contacts" in response.json()["message"]


async def test_content_of_an_errored_sync_is_409(emu: Harness) -> None:
    sync_id, items = await _records(emu, "googledrive", "files")
    await emu.client.post(f"/_emulator/syncs/{sync_id}/error", json={"message": "revoked"})
    response = await _content(emu, sync_id, items[0]["id"])
    assert response.status_code == 409
    # The stored record itself stays readable.
    record = await emu.client.get(
        f"/api/syncs/{sync_id}/records/{items[0]['id']}", headers=emu.headers(USER)
    )
    assert record.status_code == 200
