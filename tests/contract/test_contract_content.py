"""Content download through the real client: file bytes and types, ticket ZIPs, CRM records."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from resources.sync_api import SyncApiNotFound
from tests.contract.support import INTEGRATION, USER, ContractEnv, write, write_jsonl

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILES: dict[str, tuple[bytes, str]] = {
    "notes.txt": (b"plain text\n", "text/plain"),
    "guide.md": (b"# Guide\n\nSome *markdown*.\n", "text/markdown"),
    "page.html": (b"<html><body><p>hi</p></body></html>", "text/html"),
    "table.csv": (b"a,b\n1,2\n", "text/csv"),
    "data.json": (b'{"k": [1, 2]}', "application/json"),
    "report.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nnot really a pdf\n", "application/pdf"),
    "plan.docx": (b"PK\x03\x04 fake docx \x00\x01\x02", DOCX),
    "logo.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    "blob.unknownext": (bytes(range(256)), "application/octet-stream"),
    "Résumé final #2?.txt": ("naïve café\n".encode(), "text/plain"),
}


def test_file_content_is_the_source_bytes_with_the_record_mime_type(env: ContractEnv) -> None:
    folder = env.folder()
    for name, (data, _) in FILES.items():
        write(folder, f"mixed/{name}", data)
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")

    records = {r.name: r for r in client.pull_records(USER, sync.id).records}

    assert set(records) == set(FILES)
    for name, (data, mime_type) in FILES.items():
        record = records[name]
        content = client.download_content(USER, sync.id, record.id)
        assert (name, content.data) == (name, data)
        assert (name, content.content_type) == (name, mime_type)
        assert (record.mime_type, record.size) == (mime_type, len(data))


def test_a_ticket_downloads_as_a_zip_of_markdown_and_attachments(env: ContractEnv) -> None:
    ticket = {
        "externalId": "T-7",
        "title": "Printer on fire",
        "status": "open",
        "priority": "urgent",
        "description": "Smoke from **tray 2**.",
        "comments": [{"author": "ana", "body": "Extinguisher applied."}],
        "attachments": [{"name": "log.txt", "text": "E42 overheating"}],
    }
    write(env.folder(pipeline="tickets", integration="jira"), "T-7.json", json.dumps(ticket))
    client = env.client()
    sync = client.enable_sync(USER, "jira", "tickets")
    env.run(sync.id, "initial")
    record = client.pull_records(USER, sync.id).records[0]

    content = client.download_content(USER, sync.id, record.id)

    assert record.raw["title"] == "Printer on fire" and record.raw["status"] == {"name": "open"}
    assert content.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(content.data)) as archive:
        assert sorted(archive.namelist()) == ["T-7.md", "attachments/log.txt"]
        markdown = archive.read("T-7.md").decode()
        assert archive.read("attachments/log.txt") == b"E42 overheating"
    for text in ("# Printer on fire", "Smoke from **tray 2**.", "Extinguisher applied."):
        assert text in markdown


def test_crm_records_are_whole_in_their_fields_and_have_no_content(env: ContractEnv) -> None:
    people = [
        {"externalId": "c1", "firstName": "Ana", "emails": [{"value": "ana@acme.com"}]},
        {"externalId": "c2", "firstName": "Bruno", "notes": "Met at the fair."},
    ]
    write_jsonl(env.folder(pipeline="contacts", integration="hubspot"), "people.jsonl", people)
    client = env.client()
    sync = client.enable_sync(USER, "hubspot", "contacts")
    env.run(sync.id, "initial")
    records = {r.external_id: r for r in client.pull_records(USER, sync.id).records}

    assert set(records) == {"c1", "c2"}
    fetched = client.get_record(USER, sync.id, records["c2"].id)
    assert fetched.raw["notes"] == "Met at the fair." and fetched.raw["firstName"] == "Bruno"
    with pytest.raises(SyncApiNotFound) as caught:
        client.download_content(USER, sync.id, records["c1"].id)
    assert caught.value.status_code == 404
    assert "contacts" in str(caught.value)
