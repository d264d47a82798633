"""Permissions API routes (SPEC §3) over the files of a `files` sync and their sidecars."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from emulator.context import Emulator, emulator_of, json_object
from emulator.errors import BadRequest
from emulator.folder_source import pipeline_kind
from emulator.permissions import (
    default_email,
    grants,
    has_access,
    normalize_object,
    normalize_user,
    require_role,
)
from emulator.source_paths import resolve_inside, source_folder
from emulator.state import SyncState

LIST_LIMIT = 1000


def _files_sync(emulator: Emulator, request: Request) -> SyncState:
    user = emulator.verifier.user_of(request)
    sync = emulator.lifecycle.sync_of(user, request.path_params["sync_id"])
    if pipeline_kind(sync.pipeline) != "files":
        raise BadRequest(
            f"The Permissions API serves file storage syncs only; this sync's pipeline is "
            f"{sync.pipeline!r}."
        )
    return sync


def _file_of(emulator: Emulator, sync: SyncState, obj: object) -> Path | None:
    """The source file of a live record, None for an unknown or deleted object."""
    if not isinstance(obj, str) or not obj:
        raise BadRequest("`object` must be a synced record id.")
    with emulator.state.lock:
        record = sync.records.get(normalize_object(obj))
        if record is None or record.deleted:
            return None
        rel = record.path
    folder = source_folder(emulator.config.root, sync.user_id, sync.integration, sync.pipeline)
    return resolve_inside(folder, rel) if folder is not None else None


def _user_field(value: object) -> str:
    if not isinstance(value, str) or not normalize_user(value):
        raise BadRequest("`user` must be an email, optionally prefixed with 'user:'.")
    return value


async def check(request: Request) -> JSONResponse:
    """POST /api/permissions/{sync_id}/check {object, user, role} -> {hasAccess}."""
    emulator = emulator_of(request)
    sync = _files_sync(emulator, request)
    body = await json_object(request)
    role = require_role(body.get("role", body.get("relation")))
    user = _user_field(body.get("user"))
    file = _file_of(emulator, sync, body.get("object"))
    return JSONResponse({"hasAccess": has_access(file, default_email(sync.user_id), user, role)})


def _one_check(emulator: Emulator, sync: SyncState, request: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"allowed": False, "request": request}
    try:
        if not isinstance(request, dict):
            raise BadRequest("Each check must be an object {object, user, role}.")
        role = require_role(request.get("role", request.get("relation")))
        user = _user_field(request.get("user"))
        file = _file_of(emulator, sync, request.get("object"))
        result["allowed"] = has_access(file, default_email(sync.user_id), user, role)
    except BadRequest as error:
        result["error"] = error.message
    return result


async def batch_check(request: Request) -> JSONResponse:
    """POST /api/permissions/{sync_id}/batch-check {checks: [...]}; errors are per check."""
    emulator = emulator_of(request)
    sync = _files_sync(emulator, request)
    checks = (await json_object(request)).get("checks")
    if not isinstance(checks, list):
        raise BadRequest("`checks` must be a list of {object, user, role}.")
    return JSONResponse({"result": [_one_check(emulator, sync, item) for item in checks]})


async def list_users(request: Request) -> JSONResponse:
    """POST /api/permissions/{sync_id}/list-users {object, role} -> {users: [email]}."""
    emulator = emulator_of(request)
    sync = _files_sync(emulator, request)
    body = await json_object(request)
    role = require_role(body.get("role", body.get("relation")))
    file = _file_of(emulator, sync, body.get("object"))
    users = [] if file is None else sorted(grants(file, default_email(sync.user_id))[role])
    return JSONResponse({"users": users[:LIST_LIMIT]})


def _objects(emulator: Emulator, sync: SyncState, body: dict[str, Any]) -> Iterator[str]:
    object_type = body.get("objectType", "file")
    if object_type not in ("file", "folder"):
        raise BadRequest("`objectType` must be 'file' or 'folder'.")
    role = require_role(body.get("role", body.get("relation")))
    user = _user_field(body.get("user"))
    if object_type == "folder":
        # Folders are not synced as records by this emulator, so no folder is ever listed.
        return iter(())
    with emulator.state.lock:
        live = [(record.id, record.path) for record in sync.records.values() if not record.deleted]
    folder = source_folder(emulator.config.root, sync.user_id, sync.integration, sync.pipeline)
    owner = default_email(sync.user_id)

    def matching() -> Iterator[str]:
        for rid, rel in live:
            file = resolve_inside(folder, rel) if folder is not None else None
            if has_access(file, owner, user, role):
                yield rid

    return matching()


async def list_objects(request: Request) -> JSONResponse:
    """POST /api/permissions/{sync_id}/list-objects {objectType, user, role} -> {objects}."""
    emulator = emulator_of(request)
    sync = _files_sync(emulator, request)
    objects = _objects(emulator, sync, await json_object(request))
    return JSONResponse({"objects": list(itertools.islice(objects, LIST_LIMIT))})


async def streamed_list_objects(request: Request) -> StreamingResponse:
    """POST /api/permissions/{sync_id}/streamed-list-objects: NDJSON, no limit."""
    emulator = emulator_of(request)
    sync = _files_sync(emulator, request)
    objects = _objects(emulator, sync, await json_object(request))
    lines = (json.dumps({"object": rid}) + "\n" for rid in objects)
    return StreamingResponse(lines, media_type="application/x-ndjson")


def permission_routes() -> list[Route]:
    """The Permissions API routes the emulator implements."""
    base = "/api/permissions/{sync_id}"
    return [
        Route(f"{base}/check", check, methods=["POST"]),
        Route(f"{base}/batch-check", batch_check, methods=["POST"]),
        Route(f"{base}/list-users", list_users, methods=["POST"]),
        Route(f"{base}/list-objects", list_objects, methods=["POST"]),
        Route(f"{base}/streamed-list-objects", streamed_list_objects, methods=["POST"]),
    ]
