"""The objects one emulator app shares between its routes, background tasks and admin surface."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from emulator.auth import TokenVerifier
from emulator.config import EmulatorConfig
from emulator.errors import BadRequest
from emulator.faults import FaultInjector
from emulator.lifecycle import SyncLifecycle
from emulator.state import EmulatorState
from emulator.webhooks import WebhookDispatcher


@dataclass
class Emulator:
    """Everything behind one app instance."""

    config: EmulatorConfig
    state: EmulatorState
    lifecycle: SyncLifecycle
    verifier: TokenVerifier
    faults: FaultInjector
    webhooks: WebhookDispatcher
    background: bool


def emulator_of(request: Request) -> Emulator:
    """The Emulator bound to the app serving `request`."""
    return request.app.state.emulator


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is `{}`."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body
