"""SyncASGITransport: a sync httpx client drives an ASGI app and its lifespan in-process."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from tests.contract.transports import (
    LifespanError,
    Message,
    Receive,
    RecordingTransport,
    Send,
    SharedTransport,
    SyncASGITransport,
)


class EchoApp:
    """Answers every request with what it received; records the lifespan events it saw."""

    def __init__(self, *, lifespan: str = "ok") -> None:
        self.lifespan = lifespan
        self.events: list[str] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "body": body.decode(),
            "header": dict(scope["headers"]).get(b"x-probe", b"").decode(),
            "events": self.events,
        }
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [(b"content-type", b"application/json"), (b"x-answer", b"yes")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        if self.lifespan == "unsupported":
            raise RuntimeError("no lifespan here")
        while True:
            message: Message = await receive()
            self.events.append(message["type"])
            if message["type"] == "lifespan.startup":
                if self.lifespan == "fail":
                    await send({"type": "lifespan.startup.failed", "message": "no database"})
                    return
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


def test_requests_reach_the_app_with_body_query_and_headers() -> None:
    app = EchoApp()
    with (
        SyncASGITransport(app) as transport,
        httpx.Client(transport=transport, base_url="http://app.test") as client,
    ):
        response = client.post(
            "/things/1", params={"a": "b c"}, json={"x": 1}, headers={"X-Probe": "p"}
        )

    assert response.status_code == 201
    assert response.headers["x-answer"] == "yes"
    assert response.json() == {
        "method": "POST",
        "path": "/things/1",
        "query": "a=b+c",
        "body": '{"x":1}',
        "header": "p",
        "events": ["lifespan.startup"],
    }


def test_lifespan_starts_before_the_first_request_and_shuts_down_on_close() -> None:
    app = EchoApp()
    transport = SyncASGITransport(app)
    assert app.events == []

    with httpx.Client(transport=transport, base_url="http://app.test") as client:
        assert client.get("/").json()["events"] == ["lifespan.startup"]

    assert app.events == ["lifespan.startup", "lifespan.shutdown"]
    with pytest.raises(RuntimeError, match="closed"):
        transport.handle_request(httpx.Request("GET", "http://app.test/"))


def test_an_app_without_lifespan_is_served_anyway() -> None:
    with SyncASGITransport(EchoApp(lifespan="unsupported")) as transport:
        response = transport.handle_request(httpx.Request("GET", "http://app.test/x"))
        assert response.read() and response.status_code == 201


def test_a_failed_startup_is_raised() -> None:
    transport = SyncASGITransport(EchoApp(lifespan="fail"))
    with pytest.raises(LifespanError, match=r"startup\.failed"):
        transport.start()
    transport.close()


def test_shared_transport_outlives_its_clients_and_recording_keeps_raw_bodies() -> None:
    app = EchoApp()
    with SyncASGITransport(app) as owner:
        recorder = RecordingTransport(SharedTransport(owner))
        with httpx.Client(transport=recorder, base_url="http://app.test") as first:
            first.get("/one")
        with httpx.Client(transport=SharedTransport(owner), base_url="http://app.test") as second:
            assert second.get("/two").json()["path"] == "/two"
        assert app.events == ["lifespan.startup"]

    assert recorder.statuses() == [201]
    request, _, raw = recorder.exchanges[0]
    assert request.url.path == "/one" and json.loads(raw)["path"] == "/one"
