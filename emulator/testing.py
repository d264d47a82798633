"""Helpers to drive the emulator in tests: a running app behind httpx, and user tokens."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt

from emulator.app import create_app
from emulator.config import EmulatorConfig

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
