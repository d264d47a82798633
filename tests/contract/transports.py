"""Sync httpx transports for the contract tests: an ASGI app driven in-process by a sync client.

`httpx.ASGITransport` is async-only and runs no lifespan; `SyncASGITransport` runs the app and its
lifespan on an event loop in a background thread, so the synchronous `SyncApiClient` can call it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from types import TracebackType
from typing import Any

import anyio
import anyio.from_thread
import httpx
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

__all__ = ["LifespanError", "RecordingTransport", "SharedTransport", "SyncASGITransport"]


class LifespanError(RuntimeError):
    """The app reported that its lifespan startup or shutdown failed."""


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp, *, timeout: float = 30.0) -> AsyncIterator[None]:
    """Runs the ASGI lifespan protocol around the block: startup before, shutdown after.

    An app that raises on the lifespan scope before answering does not support lifespan; the
    ASGI spec says to carry on without it, as servers do.
    """
    to_app: MemoryObjectSendStream[Message]
    app_inbox: MemoryObjectReceiveStream[Message]
    to_app, app_inbox = anyio.create_memory_object_stream[Message](2)
    from_app: MemoryObjectSendStream[Message | BaseException | None]
    outbox: MemoryObjectReceiveStream[Message | BaseException | None]
    from_app, outbox = anyio.create_memory_object_stream[Message | BaseException | None](4)

    async def receive() -> Message:
        return await app_inbox.receive()

    async def send(message: Message) -> None:
        await from_app.send(message)

    async def run_app() -> None:
        scope: dict[str, Any] = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": {},
        }
        try:
            await app(scope, receive, send)
        except Exception as error:
            await from_app.send(error)
        else:
            await from_app.send(None)

    async def answer(expected: str) -> bool:
        """True when the app answered `expected`; False when it does not speak lifespan."""
        try:
            with anyio.fail_after(timeout):
                message = await outbox.receive()
        except TimeoutError:
            raise LifespanError(
                f"The app did not answer the lifespan event within {timeout} s."
            ) from None
        if message is None or isinstance(message, BaseException):
            return False
        if message["type"] != expected:
            raise LifespanError(
                f"The app answered {message['type']!r} to the lifespan event "
                f"({message.get('message', 'no message')})."
            )
        return True

    # Raised after the task group exits, so the caller gets it bare, not in an ExceptionGroup.
    failure: LifespanError | None = None
    async with to_app, app_inbox, from_app, outbox, anyio.create_task_group() as group:
        group.start_soon(run_app)
        await to_app.send({"type": "lifespan.startup"})
        try:
            supported = await answer("lifespan.startup.complete")
        except LifespanError as error:
            failure, supported = error, False
        if failure is None:
            try:
                yield
            finally:
                if supported:
                    await to_app.send({"type": "lifespan.shutdown"})
                    try:
                        await answer("lifespan.shutdown.complete")
                    except LifespanError as error:
                        failure = error
        group.cancel_scope.cancel()
    if failure is not None:
        raise failure


class SyncASGITransport(httpx.BaseTransport):
    """Sends a sync client's requests to an ASGI app running on a background event loop.

    The app's lifespan starts on first use (or `start()` / `with`) and shuts down on `close()`.
    Each request is forwarded to `httpx.ASGITransport`, so the app sees the same scope as with
    that transport; the response body is read in full before it is returned. Requests from
    several threads run concurrently on the one loop, as they would on a server.
    """

    def __init__(self, app: ASGIApp, *, lifespan_timeout: float = 30.0) -> None:
        self._app = app
        self._asgi = httpx.ASGITransport(app=app)
        self._lifespan_timeout = lifespan_timeout
        self._stack: contextlib.ExitStack | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> SyncASGITransport:
        """Start the event loop thread and the app's lifespan (idempotent)."""
        self._running_portal()
        return self

    def _running_portal(self) -> anyio.from_thread.BlockingPortal:
        with self._lock:
            if self._closed:
                raise RuntimeError("This SyncASGITransport is closed; make a new one.")
            if self._portal is None:
                stack = contextlib.ExitStack()
                try:
                    portal = stack.enter_context(anyio.from_thread.start_blocking_portal())
                    stack.enter_context(
                        portal.wrap_async_context_manager(
                            lifespan(self._app, timeout=self._lifespan_timeout)
                        )
                    )
                except BaseException:
                    stack.close()
                    raise
                self._stack, self._portal = stack, portal
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        portal = self._running_portal()
        # The sync request's body stream cannot be read from the loop: re-make it from bytes.
        body = request.read()
        forwarded = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=body,
            extensions=request.extensions,
        )
        status, headers, content = portal.call(self._send, forwarded)
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(content), request=request
        )

    async def _send(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return response.status_code, response.headers.raw, content

    def close(self) -> None:
        with self._lock:
            stack, self._stack, self._portal = self._stack, None, None
            self._closed = True
        if stack is not None:
            stack.close()

    def __enter__(self) -> SyncASGITransport:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()


class SharedTransport(httpx.BaseTransport):
    """Lends a transport to a client that must not close it (several clients, one app)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        # The owner (a fixture) closes the inner transport once every client is done.
        pass


class RecordingTransport(httpx.BaseTransport):
    """Wraps a transport and keeps every exchange: (request, status, raw body bytes)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.exchanges: list[tuple[httpx.Request, int, bytes]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
        with self._lock:
            self.exchanges.append((request, response.status_code, raw))
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            extensions=response.extensions,
            request=request,
        )

    def statuses(self) -> list[int]:
        """Status codes of every exchange, in order."""
        with self._lock:
            return [status for _, status, _ in self.exchanges]

    def close(self) -> None:
        self._inner.close()
