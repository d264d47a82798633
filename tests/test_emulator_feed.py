"""The emulator's records feed: cursors, paging while the source changes, tombstones, restarts."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emulator import EmulatorConfig
from emulator.testing import Harness, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio
USER = "alice"


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = support.source_folder(tmp_path / "root", USER)
    (folder / "sub").mkdir()
    for index in range(5):
        (folder / f"doc{index}.md").write_text(f"# Doc {index}\n")
    (folder / "sub" / "nested.txt").write_text("nested\n")
    (folder / ".hidden").write_text("skipped")
    (folder / "doc0.md.permissions.json").write_text("{}")
    return folder


@pytest.fixture
def config(files: Path, keys: tuple[str, str]) -> EmulatorConfig:
    return EmulatorConfig(root=files.parents[2], public_key_pem=keys[1])


@pytest.fixture
async def emu(config: EmulatorConfig, keys: tuple[str, str]) -> AsyncIterator[Harness]:
    async with harness(config, keys[0]) as h:
        yield h


async def _synced(emu: Harness) -> str:
    sync_id = await emu.enable(USER)
    await emu.run(sync_id, "initial")
    return sync_id


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    # A distinct mtime, so the test does not depend on the file system's timestamp grain.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


async def test_pages_cover_every_record_once_in_order(emu: Harness) -> None:
    sync_id = await _synced(emu)
    seen: list[str] = []
    cursor = None
    remaining = []
    while True:
        params = {"pageSize": 2, **({"cursor": cursor} if cursor else {})}
        page = await emu.page(USER, sync_id, **params)
        seen += [item["externalId"] for item in page["data"]]
        remaining.append(page["paging"]["remainingRecords"])
        assert page["paging"]["totalRecords"] == 6
        assert page["paging"]["totalActiveRecords"] == 6
        assert isinstance(page["paging"]["lastSeen"], int)
        cursor = page["paging"]["cursor"]
        if page["paging"]["remainingRecords"] == 0:
            break
    assert remaining == [4, 2, 0]
    # Dotfiles and permission sidecars are not records.
    assert sorted(seen) == sorted([f"doc{i}.md" for i in range(5)] + ["sub/nested.txt"])


async def test_changes_between_pages_lose_nothing_and_duplicate_nothing(
    emu: Harness, files: Path
) -> None:
    sync_id = await _synced(emu)
    first = await emu.page(USER, sync_id, pageSize=2)
    first_ids = [item["externalId"] for item in first["data"]]
    everything = {f"doc{i}.md" for i in range(5)} | {"sub/nested.txt"}
    later_ids = sorted(everything - set(first_ids))
    # Change one record already listed and one not yet listed, and add one.
    _rewrite(files / first_ids[0], "changed after page one, longer\n")
    _rewrite(files / later_ids[-1], "changed before being listed, longer\n")
    (files / "new.md").write_text("brand new\n")
    counts = await emu.run(sync_id, "incremental")
    assert (counts["created"], counts["updated"], counts["deleted"]) == (1, 2, 0)

    rest, _ = await emu.listing(USER, sync_id, cursor=first["paging"]["cursor"], page_size=2)
    rest_ids = [item["externalId"] for item in rest]
    assert len(rest_ids) == len(set(rest_ids)), "a version was served twice"
    assert sorted(rest_ids) == sorted([*later_ids, first_ids[0], "new.md"])
    # The changed records come after everything that did not change.
    assert set(rest_ids[-3:]) == {first_ids[0], later_ids[-1], "new.md"}
    by_id = {item["externalId"]: item for item in rest}
    assert by_id[first_ids[0]]["size"] == len("changed after page one, longer\n")


async def test_unchanged_files_do_not_reenter_the_feed(emu: Harness, files: Path) -> None:
    sync_id = await _synced(emu)
    _, cursor = await emu.listing(USER, sync_id)
    # Touched but identical content: not a change.
    _rewrite(files / "doc1.md", "# Doc 1\n")
    assert (await emu.run(sync_id, "incremental"))["updated"] == 0
    page = await emu.page(USER, sync_id, cursor=cursor)
    assert page["data"] == []
    assert page["paging"]["cursor"] == cursor


async def test_empty_feed_has_null_cursor(emu: Harness, tmp_path: Path) -> None:
    sync_id = await emu.enable(USER, integration="dropbox")
    page = await emu.page(USER, sync_id)
    assert page == {
        "data": [],
        "paging": {
            "totalRecords": 0,
            "totalActiveRecords": 0,
            "remainingRecords": 0,
            "cursor": None,
            "lastSeen": None,
        },
    }


async def test_deletion_needs_a_full_sync_then_leaves_a_tombstone(
    emu: Harness, files: Path
) -> None:
    sync_id = await _synced(emu)
    _, cursor = await emu.listing(USER, sync_id)
    record = next(
        item for item in (await emu.listing(USER, sync_id))[0] if item["externalId"] == "doc2.md"
    )
    (files / "doc2.md").unlink()
    assert (await emu.run(sync_id, "incremental"))["deleted"] == 0
    still = await emu.client.get(
        f"/api/syncs/{sync_id}/records/{record['id']}", headers=emu.headers(USER)
    )
    assert still.status_code == 200

    assert (await emu.run(sync_id, "full"))["deleted"] == 1
    page = await emu.page(USER, sync_id, cursor=cursor)
    assert page["data"] == [{"id": record["id"], "externalId": "doc2.md", "deleted": True}]
    assert page["paging"]["totalRecords"] == 6
    assert page["paging"]["totalActiveRecords"] == 5
    for suffix in ("", "/content"):
        gone = await emu.client.get(
            f"/api/syncs/{sync_id}/records/{record['id']}{suffix}", headers=emu.headers(USER)
        )
        assert gone.status_code == 404
    status = await emu.client.get(f"/api/syncs/{sync_id}", headers=emu.headers(USER))
    assert status.json()["summary"]["totalRecords"] == 5

    # The same file coming back is the same record again, created anew.
    (files / "doc2.md").write_text("back\n")
    assert (await emu.run(sync_id, "incremental"))["created"] == 1
    back = await emu.client.get(
        f"/api/syncs/{sync_id}/records/{record['id']}", headers=emu.headers(USER)
    )
    assert back.json()["data"]["externalId"] == "doc2.md"


async def test_get_synced_record_is_wrapped_in_data(emu: Harness) -> None:
    sync_id = await _synced(emu)
    item = (await emu.page(USER, sync_id, pageSize=1))["data"][0]
    response = await emu.client.get(
        f"/api/syncs/{sync_id}/records/{item['id']}", headers=emu.headers(USER)
    )
    assert response.json() == {"data": item}
    assert set(item) >= {
        "id",
        "externalId",
        "name",
        "mimeType",
        "size",
        "url",
        "createdAt",
        "updatedAt",
        "hash",
        "parentFolderId",
    }
    assert item["hash"]["sha256"]
    unknown = await emu.client.get(
        f"/api/syncs/{sync_id}/records/00000000-0000-0000-0000-000000000000",
        headers=emu.headers(USER),
    )
    assert unknown.status_code == 404


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor", ["garbage!", _b64("cursor:abc"), _b64("cursor:-1"), _b64("seq:1"), _b64("cursor:999")]
)
async def test_invalid_cursor_is_400_with_a_message(emu: Harness, cursor: str) -> None:
    sync_id = await _synced(emu)
    response = await emu.client.get(
        f"/api/syncs/{sync_id}/records", params={"cursor": cursor}, headers=emu.headers(USER)
    )
    assert response.status_code == 400
    assert "cursor" in response.json()["message"]


@pytest.mark.parametrize("size", ["0", "1001", "-5", "ten"])
async def test_page_size_out_of_bounds_is_400(emu: Harness, size: str) -> None:
    sync_id = await _synced(emu)
    for name in ("pageSize", "page_size"):
        response = await emu.client.get(
            f"/api/syncs/{sync_id}/records", params={name: size}, headers=emu.headers(USER)
        )
        assert response.status_code == 400
        assert "1000" in response.json()["message"]


async def test_page_size_bounds_and_alias(emu: Harness) -> None:
    sync_id = await _synced(emu)
    assert len((await emu.page(USER, sync_id, pageSize=1000))["data"]) == 6
    assert len((await emu.page(USER, sync_id, page_size=1))["data"]) == 1
    assert len((await emu.page(USER, sync_id))["data"]) == 6


async def test_restart_keeps_ids_and_cursors(
    config: EmulatorConfig, keys: tuple[str, str], files: Path, tmp_path: Path
) -> None:
    config.state_dir = tmp_path / "state"
    async with harness(config, keys[0]) as first:
        sync_id = await _synced(first)
        items, cursor = await first.listing(USER, sync_id)
    assert (config.state_dir / "state.json").exists()

    _rewrite(files / "doc3.md", "changed while the emulator was down\n")
    async with harness(config, keys[0]) as second:
        status = await second.client.get(f"/api/syncs/{sync_id}", headers=second.headers(USER))
        assert status.json()["status"] == "IDLE"
        assert (await second.page(USER, sync_id, cursor=cursor))["data"] == []
        assert (await second.run(sync_id, "incremental"))["updated"] == 1
        changed, _ = await second.listing(USER, sync_id, cursor=cursor)
        assert [item["externalId"] for item in changed] == ["doc3.md"]
        again, _ = await second.listing(USER, sync_id)
        assert {item["id"] for item in again} == {item["id"] for item in items}


async def test_crm_records_come_from_jsonl(
    config: EmulatorConfig, keys: tuple[str, str], files: Path
) -> None:
    folder = files.parents[1] / "hubspot" / "contacts"
    folder.mkdir(parents=True)
    lines = [
        {"externalId": "c1", "firstName": "Ana", "customFields": {"tier": "gold"}},
        {"externalId": "c2", "firstName": "Bo", "createdAt": "2025-01-01T00:00:00Z"},
        {"firstName": "no external id"},
    ]
    (folder / "contacts.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    async with harness(config, keys[0]) as emu:
        sync_id = await emu.enable(USER, integration="hubspot", pipeline="contacts")
        await emu.run(sync_id, "initial")
        items, _ = await emu.listing(USER, sync_id)
        by_external = {item["externalId"]: item for item in items}
        assert set(by_external) == {"c1", "c2"}
        assert by_external["c1"]["customFields"] == {"tier": "gold"}
        assert by_external["c2"]["createdAt"] == "2025-01-01T00:00:00Z"
        assert all(item["id"] and item["updatedAt"] for item in items)

        lines[0]["firstName"] = "Anna"
        (folder / "contacts.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
        assert (await emu.run(sync_id, "incremental"))["updated"] == 1
