"""Reads untrusted documents in a separate process that is bounded in memory and time.

A zip bomb, a parser that loops or a native crash must cost one record, not the run: the parent
sends the content to a warm child process (`resources/text/worker_child.py`), waits at most
`limits.seconds`, and kills the child past that; a child that died or was killed is replaced on
the next request. The child caps its own memory (see there).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Protocol

from resources.text.errors import (
    ExtractionError,
    LimitExceededError,
    NoTextError,
    UnreadableFileError,
    UnsupportedFileTypeError,
)
from resources.text.formats import needs_converter
from resources.text.limits import ExtractionLimits, describe_bytes
from resources.text.worker_protocol import (
    EXIT_OUT_OF_MEMORY,
    KIND_LIMIT,
    KIND_NO_TEXT,
    KIND_OUT_OF_MEMORY,
    KIND_UNREADABLE,
    KIND_UNSUPPORTED,
    read_frame,
    write_frame,
)

__all__ = ["DocumentReader", "ExtractionWorker", "InProcessReader", "WorkerUnavailableError"]

_ERRORS: dict[str, type[ExtractionError]] = {
    KIND_UNSUPPORTED: UnsupportedFileTypeError,
    KIND_UNREADABLE: UnreadableFileError,
    KIND_NO_TEXT: NoTextError,
}
# The child's start-up (imports of the converters) is not a record's cost.
_START_TIMEOUT_SECONDS = 120.0
# Fewer malloc arenas and BLAS threads: each reserves address space the child's cap would count.
_CHILD_ENV = {"MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
# What the child may see of the environment: enough to run Python, nothing secret. It parses
# hostile bytes; a parser bug exploited there must not find the signing key or an API key.
_INHERITED = ("PATH", "HOME", "LANG", "TMPDIR", "TEMP", "TMP", "PYTHONPATH", "VIRTUAL_ENV")
_INHERITED_PREFIXES = ("LC_", "OPENBLAS_")


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The extraction child's environment: `environ` without secrets or settings."""
    kept = {
        name: value
        for name, value in environ.items()
        if name in _INHERITED or name.startswith(_INHERITED_PREFIXES)
    }
    return {**kept, **_CHILD_ENV}


class DocumentReader(Protocol):
    """Turns a file's bytes or a ticket into Markdown; raises ExtractionError when it cannot."""

    def file_markdown(self, content: bytes, *, mime_type: str | None, name: str) -> str: ...

    def ticket_markdown(self, record: Mapping[str, Any], archive: bytes | None) -> str: ...


class _ChildCrashed(Exception):
    """The child ended without answering; `code` is how it ended (negative: the signal)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(code)
        self.code = code


class WorkerUnavailableError(RuntimeError):
    """The extraction process could not start at all: a broken installation, not a bad record."""


class InProcessReader:
    """Reads documents in the calling process, bounded by size only: for trusted input and tests."""

    def __init__(self, limits: ExtractionLimits | None = None) -> None:
        from resources.text.extract import TextExtractor

        self._extractor = TextExtractor(limits or ExtractionLimits())

    def file_markdown(self, content: bytes, *, mime_type: str | None, name: str) -> str:
        return self._extractor.extract(content, mime_type=mime_type, name=name)

    def ticket_markdown(self, record: Mapping[str, Any], archive: bytes | None) -> str:
        from resources.text.records import render_ticket

        return render_ticket(record, archive)


class ExtractionWorker:
    """A warm child process that reads documents under `limits`; replaced when it dies.

    Started on the first request, so a run with nothing to read pays nothing. One caller at a
    time (the indexer's reader thread). Close it when done; it also ends when this process does.
    """

    def __init__(self, limits: ExtractionLimits | None = None) -> None:
        self.limits = limits or ExtractionLimits()
        self._process: subprocess.Popen[bytes] | None = None
        self._warm_pid: int | None = None  # the child that has loaded the converters
        self.starts = 0

    def __enter__(self) -> ExtractionWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The child's process id, or None while none runs."""
        return self._process.pid if self._process is not None else None

    def file_markdown(self, content: bytes, *, mime_type: str | None, name: str) -> str:
        if needs_converter(mime_type, name):
            self._warm_up()
        return self._call({"op": "file", "mime_type": mime_type, "name": name}, content, name)

    def ticket_markdown(self, record: Mapping[str, Any], archive: bytes | None) -> str:
        if archive is not None:
            self._warm_up()  # a ticket's attachments may be any format
        name = str(record.get("title") or record.get("externalId") or "")
        header = {
            "op": "ticket",
            "name": name,
            "record": record,
            "has_archive": archive is not None,
        }
        return self._call(header, archive or b"", name)

    def close(self) -> None:
        """Lets the child finish and exit (it exits when its stdin closes)."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _call(self, header: dict[str, Any], payload: bytes, name: str) -> str:
        # A child found dead mid-request may have died before it (killed from outside, between
        # records): the record is tried once more on a fresh child before the crash is its own.
        for attempt in (1, 2):
            try:
                return self._exchange(header, payload, name)
            except _ChildCrashed as crashed:
                if crashed.code == EXIT_OUT_OF_MEMORY:
                    raise self._memory_limit(name) from None
                if attempt == 2:
                    raise ExtractionError(
                        f"{_shown(name)} crashed the extraction process "
                        f"({_describe_exit(crashed.code)})."
                    ) from None
        raise AssertionError("unreachable")

    def _exchange(self, header: dict[str, Any], payload: bytes, name: str) -> str:
        process = self._running()
        assert process.stdin is not None and process.stdout is not None
        deadline = time.monotonic() + self.limits.seconds
        try:
            write_frame(process.stdin, json.dumps(header, default=str).encode("utf-8"))
            write_frame(process.stdin, payload)
            process.stdin.flush()
            answer = json.loads(read_frame(process.stdout, deadline))
            text = read_frame(process.stdout, deadline).decode("utf-8")
        except TimeoutError:
            self._kill()
            raise LimitExceededError(
                f"{_shown(name)} took longer than the {self.limits.seconds:g} s extraction time "
                "limit (SYNCRAG_EXTRACT_TIMEOUT_SECONDS).",
                limit="time",
            ) from None
        except (OSError, EOFError, ValueError):
            raise _ChildCrashed(self._kill()) from None
        if "error" not in answer:
            return text
        if answer["error"] == KIND_OUT_OF_MEMORY:
            self._kill()
            raise self._memory_limit(name)
        reason = str(answer.get("reason") or f"{_shown(name)} could not be read.")
        if answer["error"] == KIND_LIMIT:
            raise LimitExceededError(reason, limit=str(answer.get("limit") or "unknown"))
        raise _ERRORS.get(str(answer["error"]), ExtractionError)(reason)

    def _warm_up(self) -> None:
        """Has the child load the document converters, once per child, under the start-up
        timeout rather than a record's: loading them is not the next record's cost."""
        process = self._running()
        if self._warm_pid == process.pid:
            return
        assert process.stdin is not None and process.stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        try:
            write_frame(process.stdin, json.dumps({"op": "warm_up"}).encode("utf-8"))
            write_frame(process.stdin, b"")
            process.stdin.flush()
            answer = json.loads(read_frame(process.stdout, deadline))
            read_frame(process.stdout, deadline)
        except (OSError, EOFError, ValueError, TimeoutError) as exc:
            self._kill()
            raise WorkerUnavailableError(
                "The extraction process could not load its document converters; run "
                "`python -m resources.text.worker_child` to see why."
            ) from exc
        if answer:
            self._kill()
            raise WorkerUnavailableError(f"The extraction process could not warm up: {answer}.")
        self._warm_pid = process.pid

    def _memory_limit(self, name: str) -> LimitExceededError:
        return LimitExceededError(
            f"{_shown(name)} needs more than the {describe_bytes(self.limits.memory_bytes)} "
            "extraction memory limit (SYNCRAG_EXTRACT_MEMORY_MB).",
            limit="memory",
        )

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._kill()
        self._process = self._start()
        return self._process

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "resources.text.worker_child", json.dumps(asdict(self.limits))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_environment(os.environ),
        )
        assert process.stdout is not None
        self.starts += 1
        try:
            ready = json.loads(
                read_frame(process.stdout, time.monotonic() + _START_TIMEOUT_SECONDS)
            )
        except (TimeoutError, EOFError, ValueError) as exc:
            process.kill()
            process.wait()
            raise WorkerUnavailableError(
                "The extraction process did not start; run `python -m resources.text.worker_child` "
                "to see why."
            ) from exc
        if not ready.get("ready"):
            process.kill()
            process.wait()
            raise WorkerUnavailableError(f"The extraction process did not start: {ready}.")
        return process

    def _kill(self) -> int | None:
        """Ends the child at once; how it ended (negative: the signal), None if none ran."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        code = process.wait()
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass  # a broken pipe to a dead child: nothing left to flush
        return code


def _shown(name: str) -> str:
    flat = " ".join(name.split())[:120]
    return f"'{flat}'" if flat else "the document"


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code == -signal.SIGKILL:
        return "it was killed, most likely for memory"
    if code < 0:
        return f"it died of {signal.Signals(-code).name}"
    return f"it exited with code {code}"
