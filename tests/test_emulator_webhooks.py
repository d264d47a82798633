"""Webhooks from the emulator: events of each scan kind, envelope shape, retries, failures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from emulator import EmulatorConfig
from emulator.testing import Harness, WebhookRecorder, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio
USER = "dana"
HEADERS = {"X-Hook-Secret": "s3cret-value"}


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = support.source_folder(tmp_path / "root", USER, "box")
    for name in ("keep.md", "change.md", "remove.md"):
        (folder / name).write_text(f"{name}\n")
    return folder


@pytest.fixture
def config(files: Path, keys: tuple[str, str]) -> EmulatorConfig:
    return EmulatorConfig(
        root=files.parents[2],
        public_key_pem=keys[1],
        webhook_url="http://receiver.test/paragon",
        webhook_headers=HEADERS,
        webhook_max_attempts=3,
        webhook_backoff_s=0.0,
    )


@pytest.fixture
def recorder() -> WebhookRecorder:
    return WebhookRecorder()


@pytest.fixture
async def emu(
    config: EmulatorConfig, keys: tuple[str, str], recorder: WebhookRecorder
) -> AsyncIterator[Harness]:
    async with harness(config, keys[0], webhook_transport=recorder.transport) as h:
        yield h


async def test_each_scan_kind_sends_its_events(
    emu: Harness, recorder: WebhookRecorder, files: Path
) -> None:
    sync_id = await emu.enable(USER, integration="box")
    await emu.run(sync_id, "initial")
    items, _ = await emu.listing(USER, sync_id)
    ids = {item["externalId"]: item["id"] for item in items}
    await emu.flush()
    assert recorder.names() == ["sync_complete"]
    # Nothing is delivered until a flush: delivery is never on the request path.
    (files / "new.md").write_text("new\n")
    (files / "change.md").write_text("changed, and longer\n")
    (files / "remove.md").unlink()
    await emu.run(sync_id, "incremental")
    assert recorder.names() == ["sync_complete"]
    await emu.flush()
    assert recorder.names()[1:] == ["record_created", "record_updated"]
    assert recorder.events[2]["data"] == {"recordId": ids["change.md"], "model": "files"}

    await emu.run(sync_id, "full")
    await emu.flush()
    assert recorder.names()[3:] == ["record_deleted"]
    deleted = recorder.events[3]
    assert deleted == {
        "event": "record_deleted",
        "sync": "box",
        "syncInstanceId": sync_id,
        "credentialId": deleted["credentialId"],
        "user": {"id": USER},
        "data": {"model": "files", "recordId": ids["remove.md"]},
    }


async def test_headers_are_sent_with_every_webhook(config: EmulatorConfig, keys: tuple) -> None:
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with harness(config, keys[0], webhook_transport=httpx.MockTransport(receive)) as emu:
        sync_id = await emu.enable(USER, integration="box")
        await emu.run(sync_id, "initial")
        assert (await emu.flush())["delivered"] == 1
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "http://receiver.test/paragon"
    assert request.headers["x-hook-secret"] == "s3cret-value"
    assert request.headers["content-type"] == "application/json"


async def test_failed_deliveries_are_retried_then_succeed(
    emu: Harness, recorder: WebhookRecorder
) -> None:
    recorder.fail_next(500, 503)
    sync_id = await emu.enable(USER, integration="box")
    await emu.run(sync_id, "initial")
    assert await emu.flush() == {"delivered": 1, "failed": 0, "dropped": 0}
    assert recorder.attempts == 3
    assert recorder.names() == ["sync_complete"]


async def test_delivery_gives_up_after_the_attempt_limit_and_logs_without_secrets(
    emu: Harness, recorder: WebhookRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder.fail_next(500, 500, 500)
    sync_id = await emu.enable(USER, integration="box")
    await emu.run(sync_id, "initial")
    with caplog.at_level(logging.WARNING, logger="syncrag.emulator"):
        assert (await emu.flush())["failed"] == 1
    assert recorder.attempts == 3
    assert "sync_complete" in caplog.text
    assert "s3cret-value" not in caplog.text
    # The emulator carries on: later events still go out.
    await emu.client.post(f"/_emulator/syncs/{sync_id}/error", json={"message": "gone"})
    assert (await emu.flush())["delivered"] == 1
    state = (await emu.client.get("/_emulator/state")).json()
    assert state["webhooks"] == {"pending": 0, "delivered": 1, "failed": 1, "dropped": 0}


async def test_unreachable_receiver_is_not_fatal(config: EmulatorConfig, keys: tuple) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with harness(config, keys[0], webhook_transport=httpx.MockTransport(refuse)) as emu:
        sync_id = await emu.enable(USER, integration="box")
        await emu.run(sync_id, "initial")
        assert (await emu.flush())["failed"] == 1
        status = await emu.client.get(f"/api/syncs/{sync_id}", headers=emu.headers(USER))
        assert status.json()["status"] == "IDLE"


async def test_background_worker_delivers_without_a_flush(
    config: EmulatorConfig, keys: tuple, recorder: WebhookRecorder
) -> None:
    config.initial_sync_delay = 0.0
    async with harness(
        config, keys[0], background=True, webhook_transport=recorder.transport
    ) as emu:
        await emu.enable(USER, integration="box")
        with anyio.fail_after(20):
            while not recorder.events:
                await anyio.sleep(0.05)
    assert recorder.names() == ["sync_complete"]
