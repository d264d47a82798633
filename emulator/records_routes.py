"""Sync API routes for synced records: the feed, one record, and its content (SPEC §2.6-2.8)."""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.context import Emulator, emulator_of
from emulator.errors import ApiError, Conflict, NotFound
from emulator.feed import decode_cursor, parse_page_size, records_page
from emulator.folder_source import pipeline_kind, read_ticket
from emulator.source_paths import read_source_bytes, resolve_inside, source_folder
from emulator.state import RecordState, SyncState
from emulator.ticket_archive import ticket_zip


async def list_records(request: Request) -> JSONResponse:
    """GET /api/syncs/{sync_id}/records?pageSize=&cursor= (`page_size` accepted too)."""
    emulator = emulator_of(request)
    user = emulator.verifier.user_of(request)
    sync_id = request.path_params["sync_id"]
    query = request.query_params
    cursor = query.get("cursor") or None
    size = parse_page_size(
        query.get("pageSize", query.get("page_size")),
        emulator.config.page_size,
        emulator.config.max_page_size,
    )
    with emulator.state.lock:
        sync = emulator.lifecycle.sync_of(user, sync_id)
        after = decode_cursor(cursor, emulator.state.sequence) if cursor is not None else None
        fault = emulator.faults.feed_fault(sync_id, cursor is not None)
        if fault == "error":
            raise ApiError("Internal Server Error", status_code=500)
        page = records_page(sync, after, cursor, size)
        if fault == "truncate":
            # The feed claims to be caught up although records remain: a silent cut.
            paging = dict(page.paging, remainingRecords=0, cursor=cursor)
            return JSONResponse({"data": [], "paging": paging})
    if page.data:
        emulator.faults.page_served(sync_id)
    return JSONResponse({"data": page.data, "paging": page.paging})


def _live_record(emulator: Emulator, request: Request) -> tuple[SyncState, RecordState]:
    user = emulator.verifier.user_of(request)
    sync = emulator.lifecycle.sync_of(user, request.path_params["sync_id"])
    record = sync.records.get(request.path_params["record_id"])
    if record is None or record.deleted:
        raise NotFound("Record not found")
    return sync, record


async def get_record(request: Request) -> JSONResponse:
    """GET /api/syncs/{sync_id}/records/{record_id}: `{"data": record}`; 404 once deleted."""
    emulator = emulator_of(request)
    with emulator.state.lock:
        _, record = _live_record(emulator, request)
        return JSONResponse({"data": record.data})


def _content(emulator: Emulator, sync: SyncState, record: RecordState) -> Response:
    kind = pipeline_kind(sync.pipeline)
    if kind == "crm":
        raise NotFound(
            f"Content download is not available for {sync.pipeline} records: "
            "their fields (Get Synced Record) are the whole record."
        )
    if sync.status == "ERRORED":
        raise Conflict(
            "The sync is ERRORED, so content cannot be fetched from the integration; "
            "fix the credential and re-enable the sync."
        )
    folder = source_folder(emulator.config.root, sync.user_id, sync.integration, sync.pipeline)
    path = resolve_inside(folder, record.path) if folder is not None else None
    if path is None:
        raise NotFound(
            "The record's content is no longer at the source; "
            "the next full sync will report it as deleted."
        )
    if kind == "tickets":
        try:
            body = ticket_zip(read_ticket(path))
        except (OSError, ValueError) as error:
            raise NotFound(f"The ticket can no longer be read at the source: {error}") from None
        return Response(body, headers={"content-type": "application/zip"})
    try:
        body = read_source_bytes(path)
    except OSError:
        raise NotFound("The file can no longer be read at the source.") from None
    # Set the header directly: Starlette would append a charset to text types.
    return Response(body, headers={"content-type": str(record.data.get("mimeType"))})


async def download_content(request: Request) -> Response:
    """GET /api/syncs/{sync_id}/records/{record_id}/content: bytes read live from the source."""
    emulator = emulator_of(request)
    with emulator.state.lock:
        sync, record = _live_record(emulator, request)
    # File reads and ZIP building happen off the event loop.
    return await anyio.to_thread.run_sync(_content, emulator, sync, record)


def records_routes() -> list[Route]:
    """The synced-records routes."""
    return [
        Route("/api/syncs/{sync_id}/records", list_records, methods=["GET"]),
        Route("/api/syncs/{sync_id}/records/{record_id}", get_record, methods=["GET"]),
        Route(
            "/api/syncs/{sync_id}/records/{record_id}/content", download_content, methods=["GET"]
        ),
    ]
