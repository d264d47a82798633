"""The emulator serves only what lies below its root: symbolic links are never followed, and no
user id or integration name can lead a path out of the root."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorConfig
from emulator.testing import Harness, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio
USER = "dave"

anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files beside the root that no symlink below it may expose."""
    folder = tmp_path / "outside"
    (folder / "dir").mkdir(parents=True)
    (folder / "secret.txt").write_text("outside the root")
    (folder / "dir" / "inner.txt").write_text("also outside")
    (folder / "leak.jsonl").write_text(json.dumps({"externalId": "leak", "ssn": "123"}) + "\n")
    (folder / "leak.json").write_text(json.dumps({"externalId": "LEAK-1", "title": "secret"}))
    (folder / "grant.json").write_text(json.dumps({"can_read": ["mallory@x.com"]}))
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    files = support.source_folder(folder, USER)
    (files / "real.md").write_text("# Real\n")
    contacts = folder / USER / "hubspot" / "contacts"
    contacts.mkdir(parents=True)
    (contacts / "all.jsonl").write_text(json.dumps({"externalId": "c1", "name": "Ana"}) + "\n")
    tickets = folder / USER / "jira" / "tickets"
    tickets.mkdir(parents=True)
    (tickets / "t1.json").write_text(json.dumps({"externalId": "T-1", "title": "Real"}))
    return folder


@pytest.fixture
async def emu(root: Path, keys: tuple[str, str]) -> AsyncIterator[Harness]:
    async with harness(EmulatorConfig(root=root, public_key_pem=keys[1]), keys[0]) as h:
        yield h


async def _synced(
    emu: Harness, integration: str = "googledrive", pipeline: str = "files", user: str = USER
) -> tuple[str, list[dict]]:
    sync_id = await emu.enable(user, integration=integration, pipeline=pipeline)
    await emu.run(sync_id, "initial")
    items, _ = await emu.listing(user, sync_id)
    return sync_id, items


async def _content(emu: Harness, sync_id: str, record_id: str) -> httpx.Response:
    return await emu.client.get(
        f"/api/syncs/{sync_id}/records/{record_id}/content", headers=emu.headers(USER)
    )


async def test_symlinked_files_and_folders_are_not_listed(
    emu: Harness, root: Path, outside: Path
) -> None:
    files = root / USER / "googledrive" / "files"
    (files / "out.txt").symlink_to(outside / "secret.txt")
    (files / "out-dir").symlink_to(outside / "dir", target_is_directory=True)
    (files / "dangling.txt").symlink_to(outside / "gone.txt")
    # Decided: a link is skipped even when its target stays inside the root.
    (files / "alias.md").symlink_to(files / "real.md")
    (files / "nested").mkdir()
    (files / "nested" / "up.md").symlink_to(Path("..") / "real.md")

    _, items = await _synced(emu)

    assert [item["externalId"] for item in items] == ["real.md"]


async def test_symlinked_crm_and_ticket_files_are_not_read(
    emu: Harness, root: Path, outside: Path
) -> None:
    (root / USER / "hubspot" / "contacts" / "leak.jsonl").symlink_to(outside / "leak.jsonl")
    (root / USER / "jira" / "tickets" / "leak.json").symlink_to(outside / "leak.json")

    _, contacts = await _synced(emu, "hubspot", "contacts")
    _, tickets = await _synced(emu, "jira", "tickets")

    assert [item["externalId"] for item in contacts] == ["c1"]
    assert [item["externalId"] for item in tickets] == ["T-1"]


@pytest.mark.parametrize("level", ["user", "integration", "pipeline"])
async def test_a_symlinked_user_integration_or_pipeline_folder_holds_no_records(
    emu: Harness, root: Path, tmp_path: Path, level: str
) -> None:
    # The link replaces a real folder of that level by a copy of it outside the root.
    linked = {
        "user": root / "eve",
        "integration": root / "eve" / "googledrive",
        "pipeline": root / "eve" / "googledrive" / "files",
    }[level]
    linked.parent.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "elsewhere" / linked.relative_to(root)
    below = Path("googledrive", "files").parts[["user", "integration", "pipeline"].index(level) :]
    (target.joinpath(*below)).mkdir(parents=True)
    (target.joinpath(*below) / "secret.md").write_text("outside the root")
    linked.symlink_to(target, target_is_directory=True)

    _, items = await _synced(emu, user="eve")

    assert items == []


async def test_content_is_not_served_through_a_symlink_made_after_the_scan(
    emu: Harness, root: Path, outside: Path
) -> None:
    files = root / USER / "googledrive" / "files"
    (files / "late.txt").write_text("inside")
    sync_id, items = await _synced(emu)
    ids = {item["externalId"]: item["id"] for item in items}
    (files / "late.txt").unlink()
    (files / "late.txt").symlink_to(outside / "secret.txt")
    (files / "other.md").write_text("inside, but not the record's file")
    (files / "real.md").unlink()
    (files / "real.md").symlink_to(files / "other.md")

    answers = [await _content(emu, sync_id, ids[name]) for name in ("late.txt", "real.md")]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert all(b"outside" not in answer.content for answer in answers)
    assert all(b"inside" not in answer.content for answer in answers)


async def test_content_is_not_served_once_the_pipeline_folder_is_a_symlink_out_of_the_root(
    emu: Harness, root: Path, tmp_path: Path
) -> None:
    sync_id, [item] = await _synced(emu)
    files = root / USER / "googledrive" / "files"
    moved = files.rename(tmp_path / "moved-out")
    (moved / "real.md").write_text("now outside the root")
    files.symlink_to(moved, target_is_directory=True)

    response = await _content(emu, sync_id, item["id"])

    assert response.status_code == 404
    assert b"outside" not in response.content


async def test_a_symlinked_permissions_sidecar_grants_nothing(
    emu: Harness, root: Path, outside: Path
) -> None:
    files = root / USER / "googledrive" / "files"
    (files / "real.md.permissions.json").symlink_to(outside / "grant.json")
    sync_id, [item] = await _synced(emu)

    async def check(user: str) -> bool:
        response = await emu.client.post(
            f"/api/permissions/{sync_id}/check",
            json={"object": item["id"], "user": user, "role": "can_read"},
            headers=emu.headers(USER),
        )
        return response.json()["hasAccess"]

    assert await check("mallory@x.com") is False
    # As for an unreadable sidecar: the file is left to its owner alone.
    assert await check(f"{USER}@example.com") is True


@pytest.mark.parametrize("user", ["..", ".", "../outside-user", "a/../..", "a\\..\\..", "a\x00b"])
async def test_a_user_id_that_is_not_one_folder_name_holds_no_records(
    emu: Harness, tmp_path: Path, user: str
) -> None:
    # What `<root>/../googledrive/files` would reach.
    leaked = support.source_folder(tmp_path, "")
    (leaked / "secret.md").write_text("outside the root")

    _, items = await _synced(emu, user=user)

    assert items == []


@pytest.mark.parametrize("integration", ["..", ".hidden", "a/b", "a\\b", "a\x00b", ""])
async def test_an_integration_name_that_is_not_one_folder_name_is_refused(
    emu: Harness, integration: str
) -> None:
    response = await emu.client.post(
        "/api/syncs",
        json={"integration": integration, "pipeline": "files"},
        headers=emu.headers(USER),
    )

    assert response.status_code == 400
    assert "integration" in response.json()["message"]
