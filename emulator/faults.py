"""Fault injection: seeded, so a test that sets the same faults and seed sees the same failures."""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Mapping
from typing import Any, Literal

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.config import FaultConfig

FeedFault = Literal["error", "truncate"]
# Transient failures only: a client rightly treats a plain 500 as the server's bug and does not
# retry it, so a 500 here would make a blip fatal (feed_break "error" covers the 500 case).
_SERVER_ERRORS = (502, 503, 504)


class FaultInjector:
    """Decides which requests, feed pages and webhooks fail, from one FaultConfig.

    HTTP faults and webhook faults draw from separate RNGs seeded from `seed`, so that the
    requests a test makes do not change which webhooks are dropped, and the other way round.
    """

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._listing_pages: dict[str, int] = {}
        self._reset(config)

    def _reset(self, config: FaultConfig) -> None:
        self._config = config
        self._http_rng = random.Random(f"{config.seed}:http")
        self._webhook_rng = random.Random(f"{config.seed}:webhooks")
        self._listing_pages.clear()

    @property
    def config(self) -> FaultConfig:
        """The faults in force."""
        return self._config

    def update(self, changes: Mapping[str, Any]) -> FaultConfig:
        """Apply `changes` (FaultConfig field names) and restart the RNGs from the seed."""
        names = {f.name for f in dataclasses.fields(FaultConfig)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"Unknown fault settings {unknown}; known: {sorted(names)}.")
        merged = dataclasses.replace(self._config, **dict(changes))
        with self._lock:
            self._reset(merged)
        return merged

    def http_fault(self) -> tuple[int, int | None] | None:
        """(status, Retry-After seconds) to answer instead of the request, or None."""
        with self._lock:
            throttle, fail, pick = (self._http_rng.random() for _ in range(3))
            if throttle < self._config.rate_429:
                return 429, self._config.retry_after_s
            if fail < self._config.rate_5xx:
                return _SERVER_ERRORS[int(pick * len(_SERVER_ERRORS))], None
        return None

    def feed_fault(self, sync_id: str, has_cursor: bool) -> FeedFault | None:
        """How this records request breaks, if the listing has already served enough pages.

        A request without a cursor starts a new listing; pages after the first
        `feed_break_after_pages` of a listing fail while `feed_break` is set.
        """
        with self._lock:
            if not has_cursor:
                self._listing_pages[sync_id] = 0
                return None
            mode = self._config.feed_break
            served = self._listing_pages.get(sync_id, 0)
            if mode != "none" and served >= self._config.feed_break_after_pages:
                return "error" if mode == "error" else "truncate"
        return None

    def page_served(self, sync_id: str) -> None:
        """Count a page of records served in the current listing of `sync_id`."""
        with self._lock:
            self._listing_pages[sync_id] = self._listing_pages.get(sync_id, 0) + 1

    def webhook_fate(self) -> tuple[bool, bool, bool]:
        """(drop, duplicate, reorder) for the next webhook to deliver."""
        with self._lock:
            drop, duplicate, reorder = (self._webhook_rng.random() for _ in range(3))
            return (
                drop < self._config.webhook_drop,
                duplicate < self._config.webhook_duplicate,
                reorder < self._config.webhook_reorder,
            )


class FaultMiddleware:
    """ASGI middleware adding latency, 429s and 5xx to the Paragon routes (`/api/...`) only, and
    taking the Permissions API down on request."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        latency_ms = self.injector.config.latency_ms
        if latency_ms > 0:
            await anyio.sleep(latency_ms / 1000)
        down = self.injector.config.permissions_status
        if down and str(scope.get("path", "")).startswith("/api/permissions/"):
            response = JSONResponse({"message": "Permissions API unavailable"}, status_code=down)
            await response(scope, receive, send)
            return
        fault = self.injector.http_fault()
        if fault is None:
            await self.app(scope, receive, send)
            return
        status, retry_after = fault
        if status == 429:
            response = JSONResponse(
                {"message": "Too Many Requests"},
                status_code=429,
                headers={"Retry-After": str(retry_after)},
            )
        else:
            response = JSONResponse({"message": "Internal Server Error"}, status_code=status)
        await response(scope, receive, send)
