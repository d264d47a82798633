"""Webhook envelopes and their delivery: a background queue, retried with backoff, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from emulator.faults import FaultInjector
from emulator.state import SyncState

logger = logging.getLogger("syncrag.emulator")


def envelope(
    sync: SyncState,
    event: str,
    *,
    data: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Managed Sync webhook body for `event` about `sync` (SPEC §4)."""
    body: dict[str, Any] = {
        "event": event,
        "sync": sync.integration,
        "syncInstanceId": sync.id,
        "credentialId": sync.credential_id,
        "user": {"id": sync.user_id},
    }
    if data is not None:
        body["data"] = data
    if error is not None:
        body["error"] = error
    return body


@dataclass
class DeliveryReport:
    """What one flush did: delivered (2xx), failed after every attempt, dropped by a fault."""

    delivered: int = 0
    failed: int = 0
    dropped: int = 0

    def as_json(self) -> dict[str, int]:
        """Plain data for the admin API."""
        return {"delivered": self.delivered, "failed": self.failed, "dropped": self.dropped}


class WebhookDispatcher:
    """Queues webhook bodies from any thread and POSTs them to the configured URL.

    Delivery happens only in `flush` (called by the background worker or the admin route),
    never on the request path of the API call or scan that produced the event.
    """

    def __init__(
        self,
        url: str | None,
        headers: dict[str, str],
        faults: FaultInjector,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
    ) -> None:
        self._url = url
        self._headers = dict(headers)
        self._faults = faults
        self._transport = transport
        self._max_attempts = max(1, max_attempts)
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._queue: deque[dict[str, Any]] = deque()
        self._queue_lock = threading.Lock()
        self._deliver_lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None
        self.totals = DeliveryReport()

    def __repr__(self) -> str:
        # Headers may carry a shared secret: never part of a repr.
        return f"WebhookDispatcher(url={self._url!r}, pending={self.pending})"

    @property
    def pending(self) -> int:
        """Bodies waiting for delivery."""
        with self._queue_lock:
            return len(self._queue)

    def enqueue(self, body: dict[str, Any]) -> None:
        """Queue one webhook body (thread-safe); without a URL the event is discarded."""
        if self._url is None:
            return
        with self._queue_lock:
            self._queue.append(body)

    def _take_batch(self) -> list[dict[str, Any]]:
        with self._queue_lock:
            batch = list(self._queue)
            self._queue.clear()
        return batch

    def _apply_faults(self, batch: list[dict[str, Any]], report: DeliveryReport) -> list[dict]:
        """Drop, duplicate and swap neighbours as the seeded webhook faults decide."""
        planned: list[dict[str, Any]] = []
        for body in batch:
            drop, duplicate, reorder = self._faults.webhook_fate()
            if drop:
                report.dropped += 1
                logger.info(
                    "Fault: dropped webhook %s for sync %s", body["event"], body["syncInstanceId"]
                )
                continue
            planned.append(body)
            if duplicate:
                planned.append(body)
            if reorder and len(planned) >= 2:
                planned[-1], planned[-2] = planned[-2], planned[-1]
        return planned

    async def flush(self) -> DeliveryReport:
        """Deliver every queued body now, retrying each up to the attempt limit."""
        report = DeliveryReport()
        async with self._deliver_lock:
            batch = self._take_batch()
            for body in self._apply_faults(batch, report):
                if await self._deliver(body):
                    report.delivered += 1
                else:
                    report.failed += 1
        self.totals.delivered += report.delivered
        self.totals.failed += report.failed
        self.totals.dropped += report.dropped
        return report

    async def _deliver(self, body: dict[str, Any]) -> bool:
        assert self._url is not None  # enqueue keeps nothing without a URL
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self._timeout_s)
        problem = ""
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = await self._client.post(self._url, json=body, headers=self._headers)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}"
            else:
                if 200 <= response.status_code < 300:
                    return True
                problem = f"HTTP {response.status_code}"
            if attempt < self._max_attempts:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
        logger.warning(
            "Webhook %s for sync %s not delivered after %d attempts (%s); giving up on it.",
            body["event"],
            body["syncInstanceId"],
            self._max_attempts,
            problem,
        )
        return False

    async def run(self, stop: asyncio.Event, poll_s: float = 0.05) -> None:
        """Background worker: flush whenever bodies are queued, until `stop` is set."""
        while not stop.is_set():
            if self.pending:
                try:
                    await self.flush()
                except Exception:
                    # Delivery must never take the emulator down.
                    logger.exception("Webhook delivery worker failed; continuing.")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_s)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
