"""Hostile content (design invariant 9): every hostile file ends errored with its reason, or
indexed correctly; every good file beside them is indexed; the run's memory stays bounded.

The files are made at test time (nothing big is committed): zip bombs as DOCX, XLSX and PPTX, a
50 MB text, random bytes under every text extension, NULs after the first 8 KB, bytes
0x80-0xFF, a 5 MB line without spaces, a password-protected PDF, UTF-16 with and without a BOM,
and good files. The ingest
runs in a process of its own, whose peak RSS (and its extraction worker's) is measured.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from demo.blocks import Paragraph, Span
from demo.render_docx import render_docx
from resources.state import RecordState
from tests.e2e.harness import Emulator, Syncrag, installed, paragraphs_document
from tests.test_text_pdf import encrypted_pdf

REPO_ROOT = Path(__file__).resolve().parents[2]
USER = "alice"
MB = 1024 * 1024
PEAK_RSS_LIMIT_MB = 1536
TEXT_EXTENSIONS = ("txt", "md", "html", "csv", "json")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(main_part: str) -> bytes:
    """A small Office file one of whose parts expands past the 200 MB default limit."""
    return _zip({"[Content_Types].xml": b"<Types/>", main_part: b"<x>" + b"a" * (210 * MB)})


def hostile_files(rng: random.Random) -> dict[str, bytes]:
    files = {
        "bomb.docx": _bomb("word/document.xml"),
        "bomb.xlsx": _bomb("xl/worksheets/sheet1.xml"),
        "bomb.pptx": _bomb("ppt/slides/slide1.xml"),
        "huge.txt": b"The quick brown fox jumps over the lazy dog.\n" * (50 * MB // 45),
        "late-nuls.txt": b"A plain start of a file. " * 400
        + bytes(rng.randrange(256) for _ in range(20_000)),
        "one-line.txt": b"x" * (5 * MB),
        "salaries.pdf": encrypted_pdf("Salaries for the third quarter", "secret"),
    }
    for extension in TEXT_EXTENSIONS:
        files[f"random.{extension}"] = rng.randbytes(200_000)
        files[f"high-bytes.{extension}"] = bytes(rng.randrange(0x80, 0x100) for _ in range(20_000))
    return files


GOOD_TEXT = "The walk-in cooler at the castle yard kitchen holds fish at 2 C overnight."


def good_files() -> dict[str, bytes]:
    return {
        "cooler.md": paragraphs_document("Cooler", [GOOD_TEXT]).encode(),
        "notes.txt": b"Deliveries arrive at six; the dock door sticks in the rain.\n",
        "report.docx": render_docx(
            [Paragraph((Span("Quarterly oven descaling report."),))], title="r"
        ),
        "utf16-bom.txt": "Saffron arrives in tins of forty grams.\n".encode("utf-16"),
        "utf16-no-bom.txt": "Cardamom pods are stored in the dry store.\n".encode("utf-16-le"),
    }


def _ingest_in_subprocess(syncrag: Syncrag) -> tuple[int, float]:
    """Exit code and peak RSS in MB (the run process or its extraction worker, whichever peaked)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCRAG_", "QDRANT_"))}
    env = {**inherited, **syncrag.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.ingest_once", USER], cwd=REPO_ROOT, env=env
    )
    # wait4, not wait: Linux reports the largest resident set of the process and of the
    # descendants it waited for (the extraction worker), in KiB.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return process.returncode, usage.ru_maxrss / 1024


@pytest.mark.slow
def test_hostile_files_are_errored_with_their_reason_and_good_files_indexed(
    emulator: Emulator, tmp_path: Path
) -> None:
    rng = random.Random(9)
    hostile = hostile_files(rng)
    good = good_files()
    for name, data in {**hostile, **good}.items():
        emulator.write(USER, name, data)
    with installed(emulator, tmp_path / "syncrag") as syncrag:
        emulator.enable(syncrag.state, USER)
        code, peak_mb = _ingest_in_subprocess(syncrag)
        assert code == 0
        assert peak_mb < PEAK_RSS_LIMIT_MB, f"peak RSS {peak_mb:.0f} MB"

        ledger = syncrag.ledger_by_name(USER)
        for name in good:
            assert ledger[name].state == RecordState.INDEXED, (name, ledger[name].error)
        for name in hostile:
            record = ledger[name]
            assert record.state == RecordState.ERRORED, f"{name} was {record.state}"
            assert record.error, f"{name} has no reason"
        for name in ("bomb.docx", "bomb.xlsx", "bomb.pptx"):
            assert "expands past the 200 MB extraction limit" in (ledger[name].error or "")
        assert "text limit" in (ledger["huge.txt"].error or "")
        assert "password" in (ledger["salaries.pdf"].error or "")

        # Nothing hostile became a point; the good files are findable, UTF-16 ones included.
        names = {p["title"] for p in syncrag.points(USER).values()}
        assert names <= set(good)
        texts = {p["title"]: p["text"] for p in syncrag.points(USER).values()}
        assert "Saffron arrives in tins of forty grams." in texts["utf16-bom.txt"]
        assert "Cardamom pods are stored in the dry store." in texts["utf16-no-bom.txt"]

        # Errored records are not tried again until they change.
        again = syncrag.ingest(USER)
        assert again.index["records_errored"] == 0
        assert again.index["chunks_embedded"] == 0
