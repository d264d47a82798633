"""The extraction worker's wire format: frames of a 4-byte big-endian length and a payload.

A request is a JSON header frame, then the content bytes; an answer is a JSON header frame, then
the UTF-8 text. JSON, not pickle: the child parses hostile bytes, and nothing it sends back may be
executed by the parent.
"""

from __future__ import annotations

import os
import select
import struct
import time
from typing import IO

_LENGTH = struct.Struct(">I")
# Error kinds on the wire, one per ExtractionError subclass the parent raises again.
KIND_UNSUPPORTED = "unsupported"
KIND_UNREADABLE = "unreadable"
KIND_NO_TEXT = "no_text"
KIND_LIMIT = "limit"
KIND_OTHER = "extraction"
KIND_OUT_OF_MEMORY = "out_of_memory"
NO_DEADLINE = float("inf")
# The child's exit status when a request did not fit in its memory: the parent names the limit.
EXIT_OUT_OF_MEMORY = 75


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    """Writes one frame (not flushed)."""
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)


def read_frame(stream: IO[bytes], deadline: float = NO_DEADLINE) -> bytes:
    """Reads one frame; TimeoutError past `deadline` (time.monotonic), EOFError if the pipe ends.

    A stream read with a deadline must always be read with one (it is read unbuffered).
    """
    (length,) = _LENGTH.unpack(_read_exact(stream, _LENGTH.size, deadline))
    return _read_exact(stream, length, deadline)


def _read_exact(stream: IO[bytes], size: int, deadline: float) -> bytes:
    if deadline == NO_DEADLINE:
        # One allocation of the frame's size: a large frame costs its size once, not twice.
        data = stream.read(size)
        if len(data) < size:
            raise EOFError
        return data
    # With a deadline the stream's own buffer is bypassed: every read goes to the descriptor,
    # which select() can wait on.
    fd = stream.fileno()
    chunks: list[bytes] = []
    left = size
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
