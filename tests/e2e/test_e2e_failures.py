"""End to end: a file that cannot be read errors alone, and an ERRORED sync fails the
`syncs_healthy` check until it is re-enabled."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import render_document
from emulator import ensure_dev_keypair
from resources.state import RecordState
from tests.e2e.harness import Emulator, Syncrag, installed, paragraphs_document

GOOD = {
    "plan.md": paragraphs_document("Plan", ["The plan is to ship the lighthouse release."]),
    "notes.txt": "Notes from the harbour meeting.\n",
}


def test_a_corrupt_file_is_errored_with_its_reason_and_the_rest_is_indexed(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    for name, text in GOOD.items():
        emulator.write("alice", name, text)
    emulator.write("alice", "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nnot a pdf\n")
    emulator.write("alice", "broken.docx", b"PK\x03\x04 this is no zip archive at all")
    sync_id = emulator.enable(syncrag.state, "alice")

    run = syncrag.ingest("alice")

    assert run.success
    assert run.index["records_indexed"] == 2
    assert run.index["records_errored"] == 2
    ledger = syncrag.ledger_by_name("alice")
    for name in ("broken.pdf", "broken.docx"):
        assert ledger[name].state == RecordState.ERRORED
        assert ledger[name].error
        assert name in run.index["errors"]
        assert syncrag.record_points("alice", ledger[name].record_id) == {}
    for name in GOOD:
        assert ledger[name].state == RecordState.INDEXED
        assert syncrag.record_points("alice", ledger[name].record_id)
    assert run.checks["index_matches_ledger"].passed

    # Fixed at the source: the record changes, so it is tried again and indexed.
    emulator.write(
        "alice",
        "broken.docx",
        render_document("# Repaired\n\nThe repaired memo.\n", "docx", title="Repaired"),
    )
    assert emulator.scan(sync_id, "incremental")["updated"] == 1
    again = syncrag.ingest("alice")

    assert again.index["records_indexed"] == 1
    assert syncrag.ledger_by_name("alice")["broken.docx"].state == RecordState.INDEXED
    hits = syncrag.search("alice", "repaired memo")
    assert hits[0].payload["title"] == "broken.docx"
    assert again.checks["index_matches_ledger"].passed


def test_an_errored_sync_fails_the_health_check_until_re_enabled(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    for name, text in GOOD.items():
        emulator.write("bob", name, text)
    sync_id = emulator.enable(syncrag.state, "bob")
    assert syncrag.ingest("bob").checks["syncs_healthy"].passed
    points = syncrag.points("bob")

    message = "Credentials are no longer valid. Please re-authenticate the Google Drive account."
    emulator.error_sync(sync_id, message)
    errored = syncrag.ingest("bob")

    check = errored.checks["syncs_healthy"]
    assert not check.passed
    assert check.description is not None and message in check.description
    assert check.metadata["errored_syncs"].value == 1
    # Paragon keeps what it synced: the user's index stays as it was.
    assert syncrag.points("bob") == points

    emulator.client.reenable_sync("bob", sync_id)
    healthy = syncrag.ingest("bob")

    assert healthy.checks["syncs_healthy"].passed
    assert healthy.checks["index_matches_ledger"].passed
    assert syncrag.points("bob") == points


def test_a_rejected_signing_key_fails_the_run_without_showing_the_key_or_a_token(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_key, _ = ensure_dev_keypair(tmp_path / "other-keys")
    pem = wrong_key.read_text()
    monkeypatch.setenv("SYNCRAG_SIGNING_KEY", pem)
    emulator.write("alice", "plan.md", GOOD["plan.md"])
    with installed(emulator, tmp_path / "wrong", SYNCRAG_SIGNING_KEY=pem) as syncrag:
        emulator.enable(syncrag.state, "alice")
        run = syncrag.ingest("alice", raise_on_error=False)

        assert not run.success
        shown = "\n".join(repr(entry) for entry in syncrag.instance.all_logs(run.result.run_id))
    [failure] = [e for e in run.result.all_events if e.is_step_failure]
    assert "401" in str(failure.step_failure_data.error)
    key_lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    assert not any(line in shown for line in key_lines)
    assert "Bearer" not in shown and "eyJ" not in shown  # no user token (a JWT starts eyJ)
