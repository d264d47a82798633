"""Errored records: tried again when their version changes or when asked (`retry_errored`), never
by a full reconcile that merely lists them again."""

from __future__ import annotations

from pathlib import Path

from dagster import materialize

from assets import synced_records, vector_index
from resources.state import RecordState
from tests.e2e.harness import QUIET, Emulator, Ingest, Syncrag, installed, paragraphs_document

USER = "alice"
# Two million characters of text: past a 1 MB text limit, within a 3 MB one.
LONG_TEXT = "The walk-in fridge is checked at six. " * 55_000


def _ingest_retrying_errored(syncrag: Syncrag) -> Ingest:
    result = materialize(
        [synced_records, vector_index],
        partition_key=USER,
        resources=syncrag.resources,
        instance=syncrag.instance,
        run_config={**QUIET, "ops": {"synced_records": {"config": {"retry_errored": True}}}},
    )
    return Ingest(result)


def test_a_full_reconcile_does_not_read_errored_records_again(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    emulator.write(USER, "menu.md", paragraphs_document("Menu", ["Soup of the day."]))
    emulator.write(USER, "scan.pdf", b"%PDF-1.7 not really a PDF \x00\x01\x02" * 50)
    emulator.enable(syncrag.state, USER)
    first = syncrag.ingest(USER)
    assert first.index["records_errored"] == 1

    reconciled = syncrag.ingest(USER, full_reconcile=True)

    # Before, every errored record went back to pending on each reconcile: downloaded and
    # extracted again (zip bombs included), errored again, every day.
    assert reconciled.records["records_updated"] == 0
    assert reconciled.index["records_errored"] == 0
    scan = syncrag.ledger_by_name(USER)["scan.pdf"]
    assert (scan.state, scan.attempts) == (RecordState.ERRORED, 1)


def test_errored_records_are_tried_again_when_asked_after_a_limit_is_raised(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.write(USER, "log.txt", LONG_TEXT)
    emulator.write(USER, "menu.md", paragraphs_document("Menu", ["Soup of the day."]))
    workdir = tmp_path / "syncrag"
    with installed(emulator, workdir, SYNCRAG_MAX_TEXT_MB="1") as syncrag:
        emulator.enable(syncrag.state, USER)
        assert syncrag.ingest(USER).index["records_errored"] == 1
        assert "text limit" in (syncrag.ledger_by_name(USER)["log.txt"].error or "")

    with installed(emulator, workdir, SYNCRAG_MAX_TEXT_MB="3") as syncrag:
        assert syncrag.ingest(USER).index["records_indexed"] == 0  # not without being asked

        retried = _ingest_retrying_errored(syncrag)

        assert retried.records["records_retried"] == 1
        assert retried.index["records_indexed"] == 1
        log = syncrag.ledger_by_name(USER)["log.txt"]
        assert (log.state, log.error) == (RecordState.INDEXED, None)
        assert syncrag.search(USER, "walk-in fridge checked")
