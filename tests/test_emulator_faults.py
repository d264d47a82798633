"""Fault injection in the emulator: seeded 429/5xx, broken listings, webhook drops, duplicates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emulator import EmulatorConfig, FaultConfig
from emulator.testing import Harness, WebhookRecorder, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio
USER = "erin"


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def config(tmp_path: Path, keys: tuple[str, str]) -> EmulatorConfig:
    folder = support.source_folder(tmp_path / "root", USER)
    for index in range(6):
        (folder / f"f{index}.txt").write_text(f"file {index}\n")
    return EmulatorConfig(
        root=tmp_path / "root",
        public_key_pem=keys[1],
        webhook_url="http://receiver.test/hooks",
        webhook_backoff_s=0.0,
    )


@pytest.fixture
async def emu(config: EmulatorConfig, keys: tuple[str, str]) -> AsyncIterator[Harness]:
    async with harness(config, keys[0]) as h:
        yield h


async def _statuses(emu: Harness, count: int) -> list[tuple[int, str | None]]:
    answers = []
    for _ in range(count):
        response = await emu.client.get("/api/syncs", headers=emu.headers(USER))
        answers.append((response.status_code, response.headers.get("retry-after")))
    return answers


async def test_429_and_5xx_follow_the_seed(emu: Harness) -> None:
    settings = {"rate_429": 0.3, "rate_5xx": 0.3, "retry_after_s": 2, "seed": 11}
    assert (await emu.client.post("/_emulator/faults", json=settings)).status_code == 200
    first = await _statuses(emu, 30)
    await emu.client.post("/_emulator/faults", json=settings)
    assert await _statuses(emu, 30) == first
    codes = {status for status, _ in first}
    assert 200 in codes and 429 in codes and codes & {500, 502, 503}
    assert all(retry == "2" for status, retry in first if status == 429)

    await emu.client.post("/_emulator/faults", json={**settings, "seed": 12})
    assert await _statuses(emu, 30) != first


async def test_admin_routes_are_never_faulted(emu: Harness) -> None:
    await emu.client.post("/_emulator/faults", json={"rate_5xx": 1.0})
    assert (await emu.client.get("/_emulator/state")).status_code == 200
    assert (await emu.client.get("/api/syncs", headers=emu.headers(USER))).status_code >= 500


async def test_faults_from_config_are_on_from_the_start(
    config: EmulatorConfig, keys: tuple[str, str]
) -> None:
    config.faults = FaultConfig(rate_429=1.0)
    async with harness(config, keys[0]) as emu:
        response = await emu.client.get("/api/syncs", headers=emu.headers(USER))
        assert (response.status_code, response.json()) == (429, {"message": "Too Many Requests"})


async def test_invalid_fault_settings_are_400(emu: Harness) -> None:
    for body in (
        {"rate_429": 1.5},
        {"feed_break": "sometimes"},
        {"permissions_status": 200},
        {"no_such_fault": 1},
    ):
        response = await emu.client.post("/_emulator/faults", json=body)
        assert response.status_code == 400
        assert response.json()["message"]


async def test_permissions_api_down_while_the_sync_api_works(emu: Harness) -> None:
    sync_id = await emu.enable(USER)
    await emu.run(sync_id, "initial")
    [record, *_] = (await emu.page(USER, sync_id))["data"]
    await emu.client.post("/_emulator/faults", json={"permissions_status": 503})
    body = {"object": record["id"], "role": "can_read"}
    response = await emu.client.post(
        f"/api/permissions/{sync_id}/list-users", json=body, headers=emu.headers(USER)
    )
    assert response.status_code == 503
    assert len((await emu.page(USER, sync_id))["data"]) == 6

    await emu.client.post("/_emulator/faults", json={"permissions_status": 0})
    response = await emu.client.post(
        f"/api/permissions/{sync_id}/list-users", json=body, headers=emu.headers(USER)
    )
    assert response.json() == {"users": [f"{USER}@example.com"]}


async def test_listing_that_fails_after_n_pages(emu: Harness) -> None:
    sync_id = await emu.enable(USER)
    await emu.run(sync_id, "initial")
    await emu.client.post(
        "/_emulator/faults", json={"feed_break": "error", "feed_break_after_pages": 2}
    )
    first = await emu.page(USER, sync_id, pageSize=2)
    second = await emu.page(USER, sync_id, pageSize=2, cursor=first["paging"]["cursor"])
    assert second["paging"]["remainingRecords"] == 2
    broken = await emu.client.get(
        f"/api/syncs/{sync_id}/records",
        params={"pageSize": 2, "cursor": second["paging"]["cursor"]},
        headers=emu.headers(USER),
    )
    assert broken.status_code == 500
    # A new listing (no cursor) starts counting again.
    assert len((await emu.page(USER, sync_id, pageSize=2))["data"]) == 2


async def test_listing_that_truncates_silently(emu: Harness) -> None:
    sync_id = await emu.enable(USER)
    await emu.run(sync_id, "initial")
    await emu.client.post("/_emulator/faults", json={"feed_break": "truncate"})
    first = await emu.page(USER, sync_id, pageSize=2)
    assert first["paging"]["remainingRecords"] == 4
    cut = await emu.page(USER, sync_id, pageSize=2, cursor=first["paging"]["cursor"])
    assert cut["data"] == []
    assert cut["paging"]["remainingRecords"] == 0
    assert cut["paging"]["cursor"] == first["paging"]["cursor"]


async def _delivered_with(
    config: EmulatorConfig, keys: tuple[str, str], faults: dict
) -> tuple[list[str], dict]:
    recorder = WebhookRecorder()
    async with harness(config, keys[0], webhook_transport=recorder.transport) as emu:
        sync_id = await emu.enable(USER)
        await emu.run(sync_id, "initial")
        await emu.flush()
        for index in range(6, 26):
            (config.root / USER / "googledrive" / "files" / f"f{index}.txt").write_text("x")
        await emu.client.post("/_emulator/faults", json=faults)
        await emu.run(sync_id, "incremental")
        report = await emu.flush()
    return [event["data"]["recordId"] for event in recorder.events[1:]], report


async def test_webhook_drops_duplicates_and_reorders_follow_the_seed(
    config: EmulatorConfig, keys: tuple[str, str], tmp_path: Path
) -> None:
    faults = {"webhook_drop": 0.2, "webhook_duplicate": 0.2, "webhook_reorder": 0.2, "seed": 5}
    first, report = await _delivered_with(config, keys, faults)
    for extra in (config.root / USER / "googledrive" / "files").glob("f*.txt"):
        if int(extra.stem[1:]) >= 6:
            extra.unlink()
    # Rebuild the same scene from scratch: the same seed gives the same deliveries.
    second, _ = await _delivered_with(config, keys, faults)
    assert first == second
    assert report["dropped"] > 0
    # Every event not dropped arrives at least once.
    assert len(set(first)) == 20 - report["dropped"]
    assert len(set(first)) < len(first), "expected at least one duplicate"


async def test_admin_surface_can_be_turned_off(
    config: EmulatorConfig, keys: tuple[str, str]
) -> None:
    config.admin_enabled = False
    async with harness(config, keys[0]) as emu:
        for path in ("/_emulator/state", "/_emulator/faults"):
            assert (await emu.client.get(path)).status_code == 404
        assert (await emu.client.get("/api/syncs", headers=emu.headers(USER))).status_code == 200
