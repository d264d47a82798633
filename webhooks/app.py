"""The receiver as an ASGI app: check the secret, validate, commit to the inbox, then answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import exc as sa_exc
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from resources.state import EventStatus, StateStore, StateStoreError
from webhooks.body import (
    MAX_BODY_BYTES,
    BadContentLength,
    BodyTooLarge,
    declares_non_json,
    read_body,
)
from webhooks.dedup import DEDUP_WINDOW_SECONDS, dedup_key
from webhooks.events import InvalidEvent, NotJsonBody, WebhookEvent, parse_event
from webhooks.secret import SECRET_HEADER, SharedSecret

__all__ = ["KEEP_ALIVE_SECONDS", "WEBHOOK_PATH", "create_app"]

WEBHOOK_PATH = "/webhooks/paragon"

# How long the server keeps an idle connection open. uvicorn's default (5 s) equals httpx's and
# many senders' idle expiry, so a sender reusing a connection could race the server closing it
# and lose the POST mid-flight (seen as a ReadError under load). Outlasting the sender's expiry
# means it is always the sender that retires an idle connection.
KEEP_ALIVE_SECONDS = 75

logger = logging.getLogger("syncrag.webhooks")

_WRONG_SECRET = (
    "missing or wrong webhook secret; send it as the last path segment, "
    f"a ?secret= query parameter or the {SECRET_HEADER} header"
)
_NOT_JSON_TYPE = "the body is not JSON and its Content-Type is not application/json"
_UNAVAILABLE = "the inbox could not store the event; deliver it again later"


def create_app(
    store: StateStore,
    *,
    secret: str | None,
    clock: Callable[[], float] = time.time,
    max_body_bytes: int = MAX_BODY_BYTES,
    dedup_window_seconds: float = DEDUP_WINDOW_SECONDS,
) -> Starlette:
    """The receiver over store's inbox.

    secret=None accepts every delivery (and says so once, now); clock gives the receipt time in
    epoch seconds that picks the dedup bucket (see webhooks/README.md).
    """
    check = SharedSecret(secret) if secret is not None else None
    if check is None:
        logger.warning(
            "No webhook secret is configured (SYNCRAG_WEBHOOK_SECRET): the receiver accepts "
            "deliveries from anyone who can reach it."
        )

    async def receive(request: Request) -> Response:
        if check is not None and not check.admits(request):
            logger.warning("Refused a webhook delivery: missing or wrong secret.")
            return _error(401, _WRONG_SECRET)
        try:
            body = await read_body(request, max_body_bytes)
        except BodyTooLarge as error:
            logger.warning("Refused a webhook delivery: %s.", error)
            return _error(413, str(error))
        except BadContentLength as error:
            return _error(400, str(error))
        except ClientDisconnect:
            # Nobody is left to read an answer; nothing was stored.
            return Response(status_code=400)
        received_at = clock()
        try:
            event = parse_event(body)
        except NotJsonBody as error:
            if declares_non_json(request.headers.get("content-type")):
                return _error(415, _NOT_JSON_TYPE)
            logger.warning("Refused a webhook delivery: %s.", error.reason)
            return _error(400, error.reason)
        except InvalidEvent as error:
            logger.warning("Refused a webhook delivery: %s.", error.reason)
            return _error(400, error.reason)
        return await _store(store, event, received_at, dedup_window_seconds)

    async def healthz(request: Request) -> Response:
        try:
            version = await run_in_threadpool(store.schema_version)
        except (StateStoreError, sa_exc.SQLAlchemyError) as error:
            return JSONResponse({"status": "unavailable", "error": _first_line(error)}, 503)
        if version == 0:
            return JSONResponse({"status": "unavailable", "error": "state DB not migrated"}, 503)
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, receive, methods=["POST"]),
            Route(WEBHOOK_PATH + "/{secret}", receive, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


async def _store(
    store: StateStore, event: WebhookEvent, received_at: float, window_seconds: float
) -> Response:
    """Commits the event to the inbox, then answers; 503 (so Paragon retries) if it cannot."""
    try:
        # Blocking I/O: off the event loop, so that other deliveries are read meanwhile.
        inserted = await run_in_threadpool(
            store.insert_event,
            dedup_key=dedup_key(event, received_at=received_at, window_seconds=window_seconds),
            user_id=event.user_id,
            sync_id=event.sync_id,
            event_type=event.event_type,
            record_id=event.record_id,
            payload=event.payload,
            status=EventStatus.NEW if event.known else EventStatus.IGNORED,
        )
    except (StateStoreError, sa_exc.SQLAlchemyError) as error:
        # The first line only: SQLAlchemy appends the statement's parameters, i.e. the body.
        # Values from the delivery (and the driver's message) are logged as repr, so that a
        # newline or control character in them cannot start a forged log line.
        logger.error(
            "Could not store a %r webhook for user %r: %r",
            event.event_type,
            event.user_id,
            _first_line(error),
        )
        return _error(503, _UNAVAILABLE)
    if not inserted:
        outcome = "duplicate"
    elif event.known:
        outcome = "stored"
    else:
        outcome = "ignored"
    logger.info(
        "Webhook %r for user %r (sync %r, record %r): %s.",
        event.event_type,
        event.user_id,
        event.sync_id,
        event.record_id,
        outcome,
    )
    return JSONResponse({"status": outcome})


def _error(status_code: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status_code)


def _first_line(error: BaseException) -> str:
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else None
    text = str(orig if orig is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__
