"""The receiver over a real socket: 1,000 concurrent distinct deliveries become 1,000 inbox rows."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from resources.state import EventStatus, StateStore
from tests.test_webhooks_support import SECRET, encode, sample
from webhooks import KEEP_ALIVE_SECONDS, WEBHOOK_PATH, create_app

DELIVERIES = 1000
IN_FLIGHT = 50


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


@pytest.fixture
def receiver_url(store: StateStore) -> Iterator[str]:
    """The receiver served by uvicorn on a free 127.0.0.1 port in a background thread."""
    # Binding here and handing uvicorn the socket leaves no window for another process to
    # take the port between choosing and binding it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(store, secret=SECRET),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(1000):  # bounded: gives up after about 10 s
            if server.started or not thread.is_alive():
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}{WEBHOOK_PATH}/{SECRET}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


async def _deliver_all(url: str, bodies: list[bytes]) -> list[int | str]:
    """POSTs every body with at most IN_FLIGHT outstanding; each status code, or the error."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)

    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def deliver(body: bytes) -> int | str:
            async with gate:
                try:
                    response = await client.post(
                        url, content=body, headers={"Content-Type": "application/json"}
                    )
                except httpx.HTTPError as error:
                    return f"{type(error).__name__}: {error}"
                return response.status_code

        return await asyncio.gather(*(deliver(body) for body in bodies))


def test_a_thousand_concurrent_distinct_deliveries_store_a_thousand_rows(
    store: StateStore, receiver_url: str
) -> None:
    bodies = [
        encode(sample("record_updated", record_id=f"rec-{i:04d}", user_id=f"user-{i % 7}"))
        for i in range(DELIVERIES)
    ]

    outcomes = asyncio.run(_deliver_all(receiver_url, bodies))

    assert outcomes == [200] * DELIVERIES
    assert store.count_events() == DELIVERIES
    assert store.count_events(EventStatus.NEW) == DELIVERIES
    stored = store.events_after(0, limit=DELIVERIES + 1)
    assert sorted(e.record_id or "" for e in stored) == [f"rec-{i:04d}" for i in range(DELIVERIES)]
