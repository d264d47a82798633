"""The emulator's own admin surface `/_emulator/`: scans on demand, faults, webhooks, state."""

from __future__ import annotations

import dataclasses
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.context import emulator_of, json_object
from emulator.errors import ApiError, BadRequest
from emulator.scanning import SCAN_KINDS, ScanKind
from emulator.sync_views import status_view


def _kind(body: dict[str, Any], default: ScanKind, allowed: tuple[str, ...]) -> ScanKind:
    kind = body.get("kind", default)
    if kind not in allowed:
        raise BadRequest(f"`kind` must be one of {', '.join(allowed)}; got {kind!r}.")
    return kind


async def run_sync_scan(request: Request) -> JSONResponse:
    """POST /_emulator/syncs/{sync_id}/run {"kind"}: scan now; answers when the scan is done."""
    emulator = emulator_of(request)
    kind = _kind(await json_object(request), "incremental", SCAN_KINDS)
    counts = await anyio.to_thread.run_sync(
        emulator.lifecycle.run_scan, request.path_params["sync_id"], kind
    )
    return JSONResponse(counts.as_json())


async def scan_all(request: Request) -> JSONResponse:
    """POST /_emulator/scan {"kind": "incremental"|"full"}: every scannable sync, now.

    A sync still INITIALIZING gets its initial sync; DISABLED and ERRORED syncs are skipped.
    """
    emulator = emulator_of(request)
    kind = _kind(await json_object(request), "incremental", ("incremental", "full"))
    with emulator.state.lock:
        targets = [(s.id, s.status) for s in emulator.state.syncs.values()]
    results: list[dict[str, Any]] = []
    for sync_id, status in targets:
        if status not in ("INITIALIZING", "IDLE"):
            results.append({"syncId": sync_id, "skipped": status})
            continue
        this_kind: ScanKind = "initial" if status == "INITIALIZING" else kind
        try:
            counts = await anyio.to_thread.run_sync(emulator.lifecycle.run_scan, sync_id, this_kind)
        except ApiError as error:
            results.append({"syncId": sync_id, "skipped": error.message})
            continue
        results.append({"syncId": sync_id, **counts.as_json()})
    return JSONResponse({"results": results})


async def error_sync(request: Request) -> JSONResponse:
    """POST /_emulator/syncs/{sync_id}/error {"message"}: ERRORED plus a sync_errored webhook."""
    emulator = emulator_of(request)
    body = await json_object(request)
    message = body.get("message") or "Credentials are no longer valid. Please re-authenticate."
    if not isinstance(message, str):
        raise BadRequest("`message` must be a string.")
    sync = emulator.lifecycle.set_errored(request.path_params["sync_id"], message)
    with emulator.state.lock:
        return JSONResponse(status_view(sync, emulator.config.project_id))


async def get_faults(request: Request) -> JSONResponse:
    """GET /_emulator/faults."""
    return JSONResponse(dataclasses.asdict(emulator_of(request).faults.config))


async def set_faults(request: Request) -> JSONResponse:
    """POST /_emulator/faults {field: value, ...}: change faults, restart the seeded RNGs."""
    emulator = emulator_of(request)
    try:
        faults = emulator.faults.update(await json_object(request))
    except (TypeError, ValueError) as error:
        raise BadRequest(str(error)) from None
    return JSONResponse(dataclasses.asdict(faults))


async def flush_webhooks(request: Request) -> JSONResponse:
    """POST /_emulator/webhooks/flush: deliver every queued webhook before answering."""
    report = await emulator_of(request).webhooks.flush()
    return JSONResponse(report.as_json())


async def get_state(request: Request) -> JSONResponse:
    """GET /_emulator/state: syncs, record counts, sequence, webhook totals and faults."""
    emulator = emulator_of(request)
    with emulator.state.lock:
        syncs = [
            {
                "id": sync.id,
                "userId": sync.user_id,
                "integration": sync.integration,
                "pipeline": sync.pipeline,
                "configurationName": sync.configuration_name,
                "status": sync.shown_status,
                "records": len(sync.records),
                "activeRecords": sync.active_count(),
                "latestSeq": sync.latest_seq(),
            }
            for sync in emulator.state.syncs.values()
        ]
        sequence = emulator.state.sequence
    return JSONResponse(
        {
            "sequence": sequence,
            "background": emulator.background,
            "syncs": syncs,
            "webhooks": {
                "pending": emulator.webhooks.pending,
                **emulator.webhooks.totals.as_json(),
            },
            "faults": dataclasses.asdict(emulator.faults.config),
        }
    )


def admin_routes() -> list[Route]:
    """The `/_emulator/` routes (mounted only when `admin_enabled`)."""
    return [
        Route("/_emulator/state", get_state, methods=["GET"]),
        Route("/_emulator/scan", scan_all, methods=["POST"]),
        Route("/_emulator/syncs/{sync_id}/run", run_sync_scan, methods=["POST"]),
        Route("/_emulator/syncs/{sync_id}/error", error_sync, methods=["POST"]),
        Route("/_emulator/faults", get_faults, methods=["GET"]),
        Route("/_emulator/faults", set_faults, methods=["POST"]),
        Route("/_emulator/webhooks/flush", flush_webhooks, methods=["POST"]),
    ]
