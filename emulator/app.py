"""The emulator's Starlette app: Paragon routes, admin routes, faults and background tasks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from emulator.admin_routes import admin_routes
from emulator.api_routes import sync_routes
from emulator.auth import TokenVerifier
from emulator.config import EmulatorConfig
from emulator.context import Emulator
from emulator.errors import ApiError
from emulator.faults import FaultInjector, FaultMiddleware
from emulator.lifecycle import SyncLifecycle
from emulator.permission_routes import permission_routes
from emulator.records_routes import records_routes
from emulator.scheduler import run_schedule
from emulator.state import EmulatorState
from emulator.store import StateStore
from emulator.webhooks import WebhookDispatcher


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse({"message": exc.message}, status_code=exc.status_code)


def build_emulator(
    config: EmulatorConfig,
    *,
    background: bool,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> Emulator:
    """The emulator's objects, with state loaded from `config.state_dir` when there is one."""
    state = EmulatorState()
    store = StateStore(config.state_dir)
    store.load_into(state)
    faults = FaultInjector(config.faults)
    webhooks = WebhookDispatcher(
        config.webhook_url,
        config.webhook_headers,
        faults,
        transport=webhook_transport,
        max_attempts=config.webhook_max_attempts,
        backoff_s=config.webhook_backoff_s,
        timeout_s=config.webhook_timeout_s,
    )
    return Emulator(
        config=config,
        state=state,
        lifecycle=SyncLifecycle(config, state, store, webhooks),
        verifier=TokenVerifier(config.public_key_pem, config.audience, config.token_leeway_s),
        faults=faults,
        webhooks=webhooks,
        background=background,
    )


def create_app(
    config: EmulatorConfig,
    *,
    background: bool = True,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The emulator as an ASGI app.

    With `background=False` no timer runs: scans happen only through `/_emulator/` routes and
    webhooks are delivered only by `POST /_emulator/webhooks/flush`. `webhook_transport`
    replaces the network for webhook delivery (a fake receiver in tests).
    """
    emulator = build_emulator(config, background=background, webhook_transport=webhook_transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        if background:
            tasks.append(asyncio.create_task(run_schedule(emulator.lifecycle, stop)))
            tasks.append(asyncio.create_task(emulator.webhooks.run(stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await emulator.webhooks.aclose()

    routes: list[BaseRoute] = [*sync_routes(), *records_routes(), *permission_routes()]
    if config.admin_enabled:
        routes += admin_routes()
    app = Starlette(
        routes=routes,
        middleware=[Middleware(FaultMiddleware, injector=emulator.faults)],
        exception_handlers={ApiError: _api_error},
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
