"""The extraction worker: hostile documents cost one bounded record, and the worker goes on."""

from __future__ import annotations

import io
import os
import signal
import time
import zipfile
from collections.abc import Iterator

import pytest

from demo.blocks import Paragraph, Span
from demo.render_docx import render_docx
from resources.text import (
    ExtractionLimits,
    ExtractionWorker,
    LimitExceededError,
    UnreadableFileError,
    check_archive,
)
from resources.text.limits import MB
from resources.text.worker import child_environment

WORDPROCESSING_NS = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with_body(body: bytes) -> bytes:
    """A real DOCX (the demo's renderer) whose document body is `body` (WordprocessingML)."""
    template = render_docx([Paragraph((Span("template"),))], title="t")
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["word/document.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="'
        + WORDPROCESSING_NS
        + b'"><w:body>'
        + body
        + b"</w:body></w:document>"
    )
    return zip_bytes(members)


@pytest.fixture
def worker() -> Iterator[ExtractionWorker]:
    with ExtractionWorker(ExtractionLimits(seconds=30)) as started:
        yield started


def test_reads_a_text_file_and_stays_warm_between_records(worker: ExtractionWorker) -> None:
    first = worker.file_markdown(b"Menu notes for Tuesday.", mime_type="text/plain", name="a.txt")
    second = worker.file_markdown(b"# Title\n\nBody", mime_type=None, name="b.md")
    assert first == "Menu notes for Tuesday."
    assert "Body" in second
    assert worker.starts == 1


def test_the_document_converters_are_loaded_only_for_a_file_that_needs_them(
    worker: ExtractionWorker,
) -> None:
    worker.file_markdown(b"plain notes", mime_type="text/plain", name="a.txt")
    assert worker.pid is not None
    text_only = _address_space(worker.pid)

    docx = render_docx([Paragraph((Span("Quarterly figures"),))], title="q")
    assert "Quarterly figures" in worker.file_markdown(docx, mime_type=None, name="q.docx")
    with_converters = _address_space(worker.pid)
    worker.file_markdown(docx, mime_type=None, name="again.docx")

    # The converters (markitdown and what it imports) take hundreds of MB of address space.
    assert with_converters > text_only + 100 * MB
    assert _address_space(worker.pid) < with_converters + 50 * MB  # loaded once
    assert worker.starts == 1


def test_a_zip_bomb_is_refused_with_the_limit_named_before_anything_expands(
    worker: ExtractionWorker,
) -> None:
    bomb = docx_with_body(b"a" * (300 * MB))
    assert len(bomb) < 1 * MB
    with pytest.raises(LimitExceededError) as raised:
        worker.file_markdown(bomb, mime_type=None, name="bomb.docx")
    assert "expands past the 200 MB extraction limit" in str(raised.value)
    assert raised.value.limit == "expanded size"
    # The same process answers the next record: nothing was decompressed.
    assert worker.file_markdown(b"after", mime_type="text/plain", name="c.txt") == "after"
    assert worker.starts == 1


def test_the_compression_ratio_limit_catches_a_bomb_under_the_size_limit() -> None:
    small_bomb = docx_with_body(b"a" * (50 * MB))
    with pytest.raises(LimitExceededError) as raised:
        check_archive(small_bomb, ExtractionLimits(), shown="'x.docx'")
    assert "past the 100x compression ratio limit" in str(raised.value)


def test_ordinary_office_files_pass_the_archive_check() -> None:
    text = b"<w:p><w:r><w:t>The walk-in cooler holds 3 C.</w:t></w:r></w:p>" * 2000
    check_archive(docx_with_body(text), ExtractionLimits(), shown="'menu.docx'")
    check_archive(b"plain text is not an archive", ExtractionLimits(), shown="'a.txt'")


def test_a_truncated_zip_is_unreadable_not_a_crash() -> None:
    broken = docx_with_body(b"x" * 1000)[:-30]
    with pytest.raises(UnreadableFileError):
        check_archive(broken, ExtractionLimits(), shown="'broken.docx'")


def test_a_document_past_the_memory_limit_errors_and_the_worker_is_replaced() -> None:
    # Neither the size nor the ratio check stops this one: only the memory cap can.
    limits = ExtractionLimits(
        memory_bytes=64 * MB, expanded_bytes=10_000 * MB, compression_ratio=10**6, seconds=60
    )
    paragraphs = b"<w:p><w:r><w:t>word " + b"w" * (200 * MB) + b"</w:t></w:r></w:p>"
    with ExtractionWorker(limits) as worker:
        with pytest.raises(LimitExceededError) as raised:
            worker.file_markdown(docx_with_body(paragraphs), mime_type=None, name="huge.docx")
        assert raised.value.limit == "memory"
        assert "needs more than the 64 MB extraction memory limit" in str(raised.value)
        assert worker.file_markdown(b"next", mime_type="text/plain", name="n.txt") == "next"
        assert worker.starts == 2


def test_a_document_past_the_time_limit_is_errored_and_its_process_killed() -> None:
    rows = b"".join(b"%d,item %d,%d.50\n" % (i, i, i) for i in range(400_000))
    with ExtractionWorker(ExtractionLimits(seconds=0.05)) as worker:
        worker.file_markdown(b"warm", mime_type="text/plain", name="w.txt")
        first_pid = worker.pid
        with pytest.raises(LimitExceededError) as raised:
            worker.file_markdown(rows, mime_type="text/csv", name="big.csv")
        assert raised.value.limit == "time"
        assert "took longer than the 0.05 s extraction time limit" in str(raised.value)
        assert first_pid is not None and not _alive(first_pid)


def test_text_past_the_text_limit_is_errored() -> None:
    with (
        ExtractionWorker(ExtractionLimits(text_bytes=1 * MB)) as small,
        pytest.raises(LimitExceededError) as raised,
    ):
        small.file_markdown(b"word " * (MB // 2), mime_type="text/plain", name="long.txt")
    assert "more than the 1 MB text limit" in str(raised.value)


def test_a_worker_killed_between_records_is_replaced_for_the_next_one(
    worker: ExtractionWorker,
) -> None:
    worker.file_markdown(b"warm", mime_type="text/plain", name="w.txt")
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    _wait_until_dead(worker.pid)
    assert worker.file_markdown(b"next", mime_type="text/plain", name="n.txt") == "next"
    assert worker.starts == 2


def test_tickets_are_rendered_in_the_worker(worker: ExtractionWorker) -> None:
    record = {"externalId": "OPS-7", "title": "Fryer down", "description": "Oil pump failed."}
    markdown = worker.ticket_markdown(record, None)
    assert "Fryer down" in markdown and "Oil pump failed." in markdown


def _address_space(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmSize for process {pid}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_until_dead(pid: int) -> None:
    """Until the process is gone or a zombie (killed, not yet reaped by its parent)."""
    for _ in range(500):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not die")


def test_the_worker_sees_no_secret_of_the_environment() -> None:
    environ = {
        "PATH": "/usr/bin",
        "LC_ALL": "C.UTF-8",
        "SYNCRAG_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----",
        "QDRANT_API_KEY": "k",
        "SYNCRAG_WEBHOOK_SECRET": "s",
        "DAGSTER_HOME": "/srv/dagster",
    }
    seen = child_environment(environ)
    assert seen["PATH"] == "/usr/bin" and seen["LC_ALL"] == "C.UTF-8"
    assert not {"SYNCRAG_SIGNING_KEY", "QDRANT_API_KEY", "SYNCRAG_WEBHOOK_SECRET"} & set(seen)
    assert "DAGSTER_HOME" not in seen
