"""Shared helpers of the webhook receiver tests: envelopes as Paragon sends them, a pinned clock,
and a client that posts to the app in-process."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Mapping
from typing import Any

import httpx
from starlette.applications import Starlette

SECRET = "wh-secret-Zq8RkT3vLx"
USER = "user-42"
SYNC = "163a345e-2dd4-51ff-bcf5-7667de564bb0"
RECORD = "3ce16e33-0163-564d-98ce-99b0a25ab375"
CREDENTIAL = "0aea7d3a-b5f7-4488-890e-d51a5cf4f8f1"
# A receipt time well inside a dedup bucket: 300 s windows start at multiples of 300.
T0 = 1_751_000_100.0


def envelope(event: str, **sections: Any) -> dict[str, Any]:
    """A webhook body as SPEC.md section 4 shows it; sections are `data` and/or `error`."""
    body: dict[str, Any] = {
        "event": event,
        "sync": "googledrive",
        "syncInstanceId": SYNC,
        "credentialId": CREDENTIAL,
        "user": {"id": USER},
    }
    body.update(sections)
    return body


def sample(event: str, *, record_id: str = RECORD, user_id: str = USER) -> dict[str, Any]:
    """A valid body of each known event type (the webhooks page's examples)."""
    if event in ("sync_complete", "sync_completed"):
        body = envelope(
            event, data={"model": "files", "syncedAt": "2025-07-07T19:00:00.000Z", "numRecords": 9}
        )
    elif event == "sync_errored":
        body = envelope(event, error={"message": "Credentials are no longer valid."})
    elif event == "record_errored":
        body = envelope(
            event,
            error={
                "message": "Request failed with status code 404",
                "recordId": record_id,
                "model": "files",
            },
        )
    else:
        body = envelope(event, data={"recordId": record_id, "model": "files"})
    body["user"] = {"id": user_id}
    return body


KNOWN_EVENTS = (
    "sync_complete",
    "sync_errored",
    "record_created",
    "record_updated",
    "record_deleted",
    "record_errored",
)


def without(body: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """A deep copy of body with one (possibly nested, dot-separated) field removed."""
    result = copy.deepcopy(dict(body))
    *parents, leaf = dotted.split(".")
    target: Any = result
    for part in parents:
        target = target[part]
    del target[leaf]
    return result


def replaced(body: Mapping[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A deep copy of body with one (possibly nested) field set to value."""
    result = copy.deepcopy(dict(body))
    *parents, leaf = dotted.split(".")
    target: Any = result
    for part in parents:
        target = target[part]
    target[leaf] = value
    return result


def encode(body: Any) -> bytes:
    return json.dumps(body).encode()


class FakeClock:
    """Epoch seconds that only move when a test moves them."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def request(app: Starlette, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to app in-process."""
    return asyncio.run(requests(app, [(method, path, kwargs)]))[0]


def post(app: Starlette, body: Any, *, path: str | None = None, **kwargs: Any) -> httpx.Response:
    """POST body as JSON with the secret in the path (unless a path is given)."""
    target = path if path is not None else f"/webhooks/paragon/{SECRET}"
    kwargs.setdefault("headers", {"Content-Type": "application/json"})
    return request(app, "POST", target, content=encode(body), **kwargs)


async def requests(
    app: Starlette, calls: list[tuple[str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    """Sends every call at once, as concurrent deliveries would arrive."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        return list(
            await asyncio.gather(
                *(client.request(method, path, **kwargs) for method, path, kwargs in calls)
            )
        )
