"""Reads a request body up to a size limit, refusing oversize bodies before and while streaming."""

from __future__ import annotations

from contextlib import aclosing

from starlette.requests import Request

__all__ = ["MAX_BODY_BYTES", "BadContentLength", "BodyTooLarge", "declares_non_json", "read_body"]

# Real envelopes are well under 1 KB; the limit only stops abuse from filling memory.
MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The body is (or says it is) longer than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body is larger than the {limit}-byte limit for a webhook")
        self.limit = limit


class BadContentLength(Exception):
    """The Content-Length header is not a non-negative integer."""

    def __init__(self) -> None:
        super().__init__("Content-Length must be a non-negative integer")


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body; BodyTooLarge as soon as it (or its Content-Length) passes max_bytes.

    The running count matters as much as the header: a chunked request has no Content-Length,
    and a lying one would otherwise be read to its end.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        text = declared.strip()
        if not (text.isascii() and text.isdigit()):
            raise BadContentLength()
        if int(text) > max_bytes:
            raise BodyTooLarge(max_bytes)
    received = bytearray()
    async with aclosing(request.stream()) as chunks:
        async for chunk in chunks:
            received += chunk
            if len(received) > max_bytes:
                raise BodyTooLarge(max_bytes)
    return bytes(received)


def declares_non_json(content_type: str | None) -> bool:
    """Whether a Content-Type names something other than JSON (absent or empty names nothing)."""
    if content_type is None:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not media_type:
        return False
    return not (media_type == "application/json" or media_type.endswith("+json"))
