"""The emulator's Permissions API, answered from `<file>.permissions.json` sidecars."""

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
USER = "carol"


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def root(tmp_path: Path) -> Path:
    files = support.source_folder(tmp_path / "root", USER)
    (files / "shared.md").write_text("shared")
    (files / "shared.md.permissions.json").write_text(
        json.dumps(
            {"can_read": ["reader@x.com"], "can_write": ["Writer@X.com"], "is_owner": ["own@x.com"]}
        )
    )
    (files / "private.md").write_text("mine")
    (tmp_path / "root" / USER / "hubspot" / "contacts").mkdir(parents=True)
    return tmp_path / "root"


@pytest.fixture
async def emu(root: Path, keys: tuple[str, str]) -> AsyncIterator[tuple[Harness, str, dict]]:
    config = EmulatorConfig(root=root, public_key_pem=keys[1])
    async with harness(config, keys[0]) as h:
        sync_id = await h.enable(USER)
        await h.run(sync_id, "initial")
        items, _ = await h.listing(USER, sync_id)
        yield h, sync_id, {item["name"]: item["id"] for item in items}


async def _post(emu: Harness, sync_id: str, action: str, body: dict) -> httpx.Response:
    return await emu.client.post(
        f"/api/permissions/{sync_id}/{action}", json=body, headers=emu.headers(USER)
    )


@pytest.mark.parametrize(
    ("user", "role", "expected"),
    [
        ("reader@x.com", "can_read", True),
        ("reader@x.com", "can_write", False),
        ("writer@x.com", "can_read", True),
        ("writer@x.com", "can_write", True),
        ("writer@x.com", "is_owner", False),
        ("own@x.com", "can_write", True),
        ("stranger@x.com", "can_read", False),
        # The sidecar replaces the default: the connected user is not listed in it.
        (f"{USER}@example.com", "can_read", False),
    ],
)
async def test_check_follows_the_sidecar_with_implied_roles(
    emu: tuple[Harness, str, dict], user: str, role: str, expected: bool
) -> None:
    h, sync_id, ids = emu
    response = await _post(
        h, sync_id, "check", {"object": ids["shared.md"], "user": user, "role": role}
    )
    assert response.json() == {"hasAccess": expected}


async def test_file_without_sidecar_is_owned_by_the_connected_user(
    emu: tuple[Harness, str, dict],
) -> None:
    h, sync_id, ids = emu
    own = {"object": ids["private.md"], "user": f"{USER}@example.com", "role": "is_owner"}
    assert (await _post(h, sync_id, "check", own)).json() == {"hasAccess": True}
    other = {"object": ids["private.md"], "user": "reader@x.com", "role": "can_read"}
    assert (await _post(h, sync_id, "check", other)).json() == {"hasAccess": False}


async def test_batch_check_accepts_prefixes_and_relation_alias(
    emu: tuple[Harness, str, dict],
) -> None:
    h, sync_id, ids = emu
    checks = [
        {"object": ids["shared.md"], "user": "user:reader@x.com", "role": "can_read"},
        {"object": f"file:{ids['shared.md']}", "user": "writer@x.com", "relation": "can_write"},
        {"object": ids["shared.md"], "user": "reader@x.com", "role": "admin"},
    ]
    result = (await _post(h, sync_id, "batch-check", {"checks": checks})).json()["result"]
    assert [item["allowed"] for item in result] == [True, True, False]
    assert [item["request"] for item in result] == checks
    assert "error" not in result[0]
    assert "role" in result[2]["error"]


async def test_list_users_and_list_objects(emu: tuple[Harness, str, dict]) -> None:
    h, sync_id, ids = emu
    readers = await _post(
        h, sync_id, "list-users", {"object": ids["shared.md"], "role": "can_read"}
    )
    assert readers.json() == {"users": ["own@x.com", "reader@x.com", "writer@x.com"]}
    writers = await _post(
        h, sync_id, "list-users", {"object": ids["shared.md"], "role": "can_write"}
    )
    assert writers.json() == {"users": ["own@x.com", "writer@x.com"]}

    body = {"objectType": "file", "user": f"{USER}@example.com", "role": "can_read"}
    assert (await _post(h, sync_id, "list-objects", body)).json() == {
        "objects": [ids["private.md"]]
    }
    body["user"] = "reader@x.com"
    assert (await _post(h, sync_id, "list-objects", body)).json() == {"objects": [ids["shared.md"]]}
    streamed = await _post(h, sync_id, "streamed-list-objects", body)
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in streamed.text.splitlines()]
    assert lines == [{"object": ids["shared.md"]}]


async def test_sidecar_changes_apply_at_once(emu: tuple[Harness, str, dict], root: Path) -> None:
    h, sync_id, ids = emu
    sidecar = root / USER / "googledrive" / "files" / "private.md.permissions.json"
    sidecar.write_text(json.dumps({"can_read": ["late@x.com"]}))
    body = {"object": ids["private.md"], "user": "late@x.com", "role": "can_read"}
    assert (await _post(h, sync_id, "check", body)).json() == {"hasAccess": True}


async def test_unknown_objects_and_bad_requests(emu: tuple[Harness, str, dict]) -> None:
    h, sync_id, _ = emu
    unknown = {
        "object": "3ce16e33-0163-564d-98ce-99b0a25ab375",
        "user": "a@x.com",
        "role": "can_read",
    }
    assert (await _post(h, sync_id, "check", unknown)).json() == {"hasAccess": False}
    bad_role = dict(unknown, role="admin")
    assert (await _post(h, sync_id, "check", bad_role)).status_code == 400
    crm_sync = await h.enable(USER, integration="hubspot", pipeline="contacts")
    refused = await _post(h, crm_sync, "check", unknown)
    assert refused.status_code == 400
    assert "file storage" in refused.json()["message"]
