"""Helpers to drive the emulator in tests: a running app behind httpx, user tokens, a fake
webhook receiver."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from emulator.app import create_app
from emulator.config import EmulatorConfig

__all__ = ["Harness", "WebhookRecorder", "harness", "running_app", "user_token"]

BASE_URL = "http://emulator.test"


@contextlib.asynccontextmanager
async def running_app(
    config: EmulatorConfig,
    *,
    background: bool = False,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client bound to a fresh app whose lifespan runs for the block.

    `httpx.ASGITransport` does not run lifespan events, so this enters the app's lifespan
    itself; background tasks (when `background=True`) stop when the block ends.
    """
    app = create_app(config, background=background, webhook_transport=webhook_transport)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client


def user_token(
    private_key_pem: str,
    config: EmulatorConfig,
    user: str,
    *,
    expires_in: float = 3600.0,
    **claims: Any,
) -> str:
    """A Paragon User Token for `user` signed RS256 with the project's private key."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": user,
        "aud": config.audience,
        "iat": now,
        "exp": now + int(expires_in),
        **claims,
    }
    return jwt.encode(payload, private_key_pem, algorithm="RS256")


class WebhookRecorder:
    """A fake webhook receiver: records every body; can answer errors for the next calls."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.attempts = 0
        self._failures: list[int] = []

    def fail_next(self, *statuses: int) -> None:
        """Answer these statuses (in order) to the next deliveries before accepting again."""
        self._failures.extend(statuses)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self._failures:
            return httpx.Response(self._failures.pop(0))
        self.events.append(json.loads(request.content))
        return httpx.Response(200)

    @property
    def transport(self) -> httpx.MockTransport:
        """The transport to pass as `webhook_transport`."""
        return httpx.MockTransport(self._handle)

    def names(self) -> list[str]:
        """Event names received, in order."""
        return [event["event"] for event in self.events]


@dataclass
class Harness:
    """A running emulator with a client and the key to sign user tokens."""

    client: httpx.AsyncClient
    config: EmulatorConfig
    private_key_pem: str

    def headers(self, user: str, **claims: Any) -> dict[str, str]:
        """Authorization header of a valid token for `user`."""
        token = user_token(self.private_key_pem, self.config, user, **claims)
        return {"Authorization": f"Bearer {token}"}

    async def enable(
        self, user: str, integration: str = "googledrive", pipeline: str = "files", **body: Any
    ) -> str:
        """Enable a sync and return its id."""
        response = await self.client.post(
            "/api/syncs",
            json={"integration": integration, "pipeline": pipeline, **body},
            headers=self.headers(user),
        )
        response.raise_for_status()
        return response.json()["id"]

    async def run(self, sync_id: str, kind: str) -> dict[str, Any]:
        """Run a scan now through the admin route and return its counts."""
        response = await self.client.post(f"/_emulator/syncs/{sync_id}/run", json={"kind": kind})
        response.raise_for_status()
        return response.json()

    async def flush(self) -> dict[str, Any]:
        """Deliver queued webhooks now."""
        response = await self.client.post("/_emulator/webhooks/flush")
        response.raise_for_status()
        return response.json()

    async def page(self, user: str, sync_id: str, **params: Any) -> dict[str, Any]:
        """One page of records (raises on a non-2xx answer)."""
        response = await self.client.get(
            f"/api/syncs/{sync_id}/records", params=params, headers=self.headers(user)
        )
        response.raise_for_status()
        return response.json()

    async def listing(
        self, user: str, sync_id: str, cursor: str | None = None, page_size: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every record after `cursor`, following cursors to the end; returns (items, cursor)."""
        items: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"pageSize": page_size}
            if cursor is not None:
                params["cursor"] = cursor
            body = await self.page(user, sync_id, **params)
            items += body["data"]
            cursor = body["paging"]["cursor"]
            if not body["data"] or body["paging"]["remainingRecords"] == 0:
                return items, cursor


@contextlib.asynccontextmanager
async def harness(
    config: EmulatorConfig,
    private_key_pem: str,
    *,
    background: bool = False,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Harness]:
    """`running_app` plus token signing: the usual way tests drive the emulator."""
    async with running_app(
        config, background=background, webhook_transport=webhook_transport
    ) as client:
        yield Harness(client, config, private_key_pem)
