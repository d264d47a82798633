"""The background schedule: initial syncs after a delay, incremental scans, periodic full syncs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import anyio

from emulator.errors import ApiError
from emulator.lifecycle import SyncLifecycle

logger = logging.getLogger("syncrag.emulator")

FAILED_SCAN_RETRY_S = 30.0


async def run_schedule(lifecycle: SyncLifecycle, stop: asyncio.Event, tick_s: float = 0.1) -> None:
    """Run every due scan (in a worker thread, one at a time) until `stop` is set."""
    retry_at: dict[str, float] = {}
    while not stop.is_set():
        for sync_id, kind in lifecycle.due_scans():
            if stop.is_set():
                break
            if retry_at.get(sync_id, 0.0) > time.monotonic():
                continue
            try:
                counts = await anyio.to_thread.run_sync(lifecycle.run_scan, sync_id, kind)
            except ApiError as error:
                # The sync changed status or vanished since it was due: nothing to do.
                logger.info("Skipped %s scan of sync %s: %s", kind, sync_id, error.message)
            except Exception:
                # A failing scan is logged and retried a little later, never fatal.
                logger.exception("%s scan of sync %s failed; retrying later", kind, sync_id)
                retry_at[sync_id] = time.monotonic() + FAILED_SCAN_RETRY_S
            else:
                retry_at.pop(sync_id, None)
                logger.debug("%s scan of sync %s: %s", kind, sync_id, counts.as_json())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick_s)
