"""Sync API routes for syncs themselves (SPEC §2.1-2.5), all scoped to the token's user."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.context import emulator_of, json_object
from emulator.sync_views import enable_view, list_item_view, status_view


async def enable_sync(request: Request) -> JSONResponse:
    """POST /api/syncs: a second identical enable answers the existing sync (200)."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    sync = emulator.lifecycle.enable(user, await json_object(request))
    with emulator.state.lock:
        return JSONResponse(enable_view(sync, emulator.config.project_id))


async def list_syncs(request: Request) -> JSONResponse:
    """GET /api/syncs[?credentialId=]."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    credential = request.query_params.get("credentialId") or None
    with emulator.state.lock:
        syncs = emulator.lifecycle.list_syncs(user, credential)
        return JSONResponse({"data": [list_item_view(sync) for sync in syncs]})


async def get_sync(request: Request) -> JSONResponse:
    """GET /api/syncs/{sync_id}."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    with emulator.state.lock:
        sync = emulator.lifecycle.sync_of(user, request.path_params["sync_id"])
        return JSONResponse(status_view(sync, emulator.config.project_id))


async def update_sync(request: Request) -> JSONResponse:
    """PATCH /api/syncs/{sync_id}: accepted asynchronously, as Paragon documents."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    sync_id = request.path_params["sync_id"]
    accepted = emulator.lifecycle.update(user, sync_id, await json_object(request))
    return JSONResponse(
        {
            "id": sync_id,
            "data": accepted,
            "message": "Update request accepted and is being processed",
        }
    )


async def disable_sync(request: Request) -> JSONResponse:
    """POST /api/syncs/{sync_id}/disable."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    sync = emulator.lifecycle.disable(user, request.path_params["sync_id"])
    return JSONResponse(
        {"id": sync.id, "status": sync.status, "message": "Sync successfully disabled"}
    )


async def reenable_sync(request: Request) -> JSONResponse:
    """POST /api/syncs/{sync_id}/reenable."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    sync = emulator.lifecycle.reenable(user, request.path_params["sync_id"])
    with emulator.state.lock:
        return JSONResponse(
            {"id": sync.id, "status": sync.shown_status, "message": "Sync successfully re-enabled"}
        )


async def delete_sync(request: Request) -> JSONResponse:
    """DELETE /api/syncs/{sync_id}: the sync and all its records are gone."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    sync_id = request.path_params["sync_id"]
    emulator.lifecycle.delete(user, sync_id)
    return JSONResponse({"id": sync_id, "message": "Sync successfully deleted"})


def sync_routes() -> list[Route]:
    """The sync management routes."""
    return [
        Route("/api/syncs", enable_sync, methods=["POST"]),
        Route("/api/syncs", list_syncs, methods=["GET"]),
        Route("/api/syncs/{sync_id}", get_sync, methods=["GET"]),
        Route("/api/syncs/{sync_id}", update_sync, methods=["PATCH"]),
        Route("/api/syncs/{sync_id}", delete_sync, methods=["DELETE"]),
        Route("/api/syncs/{sync_id}/disable", disable_sync, methods=["POST"]),
        Route("/api/syncs/{sync_id}/reenable", reenable_sync, methods=["POST"]),
    ]
