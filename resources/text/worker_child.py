"""The extraction worker's child process: `python -m resources.text.worker_child LIMITS_JSON`.

It loads the converters, caps its own address space at what start-up used plus the memory limit
(so an allocation past the bound is a MemoryError here, not the kernel's OOM killer choosing a
process), then answers requests on stdin until the parent closes the pipe.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from resources.text.errors import (
    ExtractionError,
    LimitExceededError,
    NoTextError,
    UnreadableFileError,
    UnsupportedFileTypeError,
)
from resources.text.extract import TextExtractor
from resources.text.limits import ExtractionLimits, check_archive
from resources.text.records import render_ticket
from resources.text.worker_protocol import (
    EXIT_OUT_OF_MEMORY,
    KIND_LIMIT,
    KIND_NO_TEXT,
    KIND_OTHER,
    KIND_OUT_OF_MEMORY,
    KIND_UNREADABLE,
    KIND_UNSUPPORTED,
    read_frame,
    write_frame,
)

_KINDS: tuple[tuple[type[ExtractionError], str], ...] = (
    (LimitExceededError, KIND_LIMIT),
    (UnsupportedFileTypeError, KIND_UNSUPPORTED),
    (UnreadableFileError, KIND_UNREADABLE),
    (NoTextError, KIND_NO_TEXT),
)
# A backstop for a parent that died while the child was busy: no record outlives this margin.
_ALARM_MARGIN_SECONDS = 30


def serve(limits: ExtractionLimits) -> None:
    """Answers requests until stdin ends."""
    # The protocol owns the original stdout; whatever a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = os.fdopen(0, "rb")
    extractor = TextExtractor(limits)
    # Ready without the converters: a batch of plain text never loads them (0.6 CPU-s, 360 MB
    # of address space). The parent asks for them ("warm_up") before the first file that needs
    # them, and the cap is measured again from the size they leave.
    _cap_address_space(limits.memory_bytes)
    write_frame(out, json.dumps({"ready": True}).encode())
    out.flush()
    while True:
        try:
            header = json.loads(read_frame(source))
            payload = read_frame(source)
        except EOFError:
            return
        except MemoryError:
            # Half a request is in the pipe: no answer can follow it, so end and be replaced.
            os._exit(EXIT_OUT_OF_MEMORY)
        if header.get("op") == "warm_up":
            _lift_address_space_cap()
            extractor.warm_up()
            _cap_address_space(limits.memory_bytes)
            write_frame(out, json.dumps({}).encode())
            write_frame(out, b"")
            out.flush()
            continue
        signal.alarm(int(limits.seconds) + _ALARM_MARGIN_SECONDS)
        answer, text = _answer(extractor, limits, header, payload)
        signal.alarm(0)
        write_frame(out, json.dumps(answer).encode())
        write_frame(out, text.encode("utf-8", errors="replace"))
        out.flush()


def _answer(
    extractor: TextExtractor, limits: ExtractionLimits, header: dict[str, Any], payload: bytes
) -> tuple[dict[str, Any], str]:
    name = str(header.get("name") or "")
    try:
        if header.get("op") == "ticket":
            archive = payload if header.get("has_archive") else None
            if archive is not None:
                check_archive(archive, limits, shown=f"the content archive of ticket {name!r}")
            return {}, render_ticket(header.get("record") or {}, archive)
        return {}, extractor.extract(payload, mime_type=header.get("mime_type"), name=name)
    except MemoryError:
        # The parent names the limit, and replaces this child: its heap is in no state to trust.
        return {"error": KIND_OUT_OF_MEMORY}, ""
    except ExtractionError as exc:
        answer: dict[str, Any] = {"error": _kind_of(exc), "reason": exc.reason}
        if isinstance(exc, LimitExceededError):
            answer["limit"] = exc.limit
        return answer, ""
    except Exception as exc:  # a parser's own failure on hostile bytes is the record's error
        return {"error": KIND_OTHER, "reason": f"unexpected {type(exc).__name__}: {exc}"}, ""


def _kind_of(exc: ExtractionError) -> str:
    for cls, kind in _KINDS:
        if isinstance(exc, cls):
            return kind
    return KIND_OTHER


def _cap_address_space(extra_bytes: int) -> None:
    try:
        import resource
    except ImportError:  # not a POSIX system: the time limit still applies
        return
    baseline = _virtual_memory_bytes()
    if baseline is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = baseline + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _lift_address_space_cap() -> None:
    """Back to the hard limit, for loading the converters (the cap is set again after)."""
    try:
        import resource
    except ImportError:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def _virtual_memory_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def main(argv: list[str]) -> int:
    limits = ExtractionLimits(**json.loads(argv[0])) if argv else ExtractionLimits()
    serve(limits)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
