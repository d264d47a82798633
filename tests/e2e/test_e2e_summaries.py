"""End to end: what `syncrag ingest` and the run metadata say is what happened. Records left
pending are counted with the reason, a listing that skipped records is not reported complete,
deletions confirmed by webhooks count as deleted, and a failed run says why."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator import ensure_dev_keypair
from pipelines.cli.main import main
from pipelines.servers import BackgroundServer
from resources.state import RecordState
from tests.e2e.harness import Emulator, Syncrag, installed, paragraphs_document


def _write(emulator: Emulator, user: str, count: int, first: int = 0) -> None:
    for i in range(first, first + count):
        text = paragraphs_document(f"Memo {i}", [f"Memo number {i} is about topic {i * 13}."])
        emulator.write(user, f"memo{i:02d}.md", text)


def _ingest_cli(
    syncrag: Syncrag,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    user: str,
    **overrides: str,
) -> tuple[int, list[str]]:
    """`syncrag ingest --user USER` with the install's settings: (exit code, printed lines)."""
    for name, value in {**syncrag.environ, **overrides}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster-cli"))
    code = main(["ingest", "--user", user])
    return code, capsys.readouterr().out.splitlines()


def _run_warnings(syncrag: Syncrag, run_id: str) -> list[str]:
    return [
        entry.user_message
        for entry in syncrag.instance.all_logs(run_id)
        if entry.level == logging.WARNING and not entry.is_dagster_event
    ]


@pytest.fixture
def content_outage(emulator: Emulator) -> Iterator[str]:
    """The emulator's address behind a proxy that answers every content download 503 (with
    Retry-After: 0, so the client's retries take no time); everything else passes through."""

    async def forward(request: Request) -> Response:
        if request.url.path.endswith("/content"):
            return JSONResponse(
                {"message": "Service Unavailable"}, status_code=503, headers={"Retry-After": "0"}
            )
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}
        }
        async with httpx.AsyncClient(base_url=emulator.url) as upstream:
            answer = await upstream.request(
                request.method,
                request.url.path,
                params=request.query_params,
                content=await request.body(),
                headers=headers,
            )
        kept = {k: v for k, v in answer.headers.items() if k.lower() in {"content-type"}}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    methods = ["GET", "POST", "PATCH", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", forward, methods=methods)])
    with BackgroundServer(app) as server:
        yield server.url


def test_records_deferred_by_an_outage_are_counted_with_the_reason(
    emulator: Emulator,
    syncrag: Syncrag,
    content_outage: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write(emulator, "alice", 3)
    emulator.enable(syncrag.state, "alice")

    code, lines = _ingest_cli(
        syncrag, tmp_path, monkeypatch, capsys, "alice", SYNCRAG_SYNC_API_URL=content_outage
    )

    assert code == 0, lines
    assert lines[0].startswith("alice: 3 new, 0 updated, 0 deleted; 0 indexed, 0 errored")
    assert "  3 records deferred: the Sync API answered 503 (will retry next run)" in lines
    assert {r.state for r in syncrag.ledger("alice")} == {RecordState.PENDING}

    # The same through the run metadata; once the API is back, the next run indexes them.
    with installed(emulator, tmp_path / "syncrag", SYNCRAG_SYNC_API_URL=content_outage) as down:
        run = down.ingest("alice")
    assert run.index["records_deferred"] == run.index["records_left_pending"] == 3
    assert run.index["records_deferred_by_reason"] == {"the Sync API answered 503": 3}
    assert run.index["left_pending"] == [
        "3 records deferred: the Sync API answered 503 (will retry next run)"
    ]
    back = syncrag.ingest("alice")
    assert back.index["records_indexed"] == 3
    assert back.index["records_left_pending"] == 0
    assert "left_pending" not in back.index


def test_a_page_short_of_its_total_is_reported_and_the_next_run_fills_the_gap(
    emulator: Emulator, tmp_path: Path
) -> None:
    with installed(emulator, tmp_path / "paged", SYNCRAG_PAGE_SIZE="2") as syncrag:
        _write(emulator, "alice", 5)
        emulator.enable(syncrag.state, "alice")
        # After one page, the next comes back empty claiming nothing remains: a silent cut.
        emulator.set_faults(feed_break="truncate", feed_break_after_pages=1)

        cut = syncrag.ingest("alice")

        assert cut.success
        assert cut.records["listing_complete"] is False
        assert cut.records["records_missing_from_listing"] == 3
        [note] = cut.records["listing_incomplete"]
        assert "3 records fewer than their totalRecords implies" in note
        assert any(
            "listing may be incomplete" in w for w in _run_warnings(syncrag, cut.result.run_id)
        )
        assert len(syncrag.ledger("alice")) == 2

        emulator.set_faults(feed_break="none")
        whole = syncrag.ingest("alice")

        assert whole.records["listing_complete"] is True
        assert whole.records["records_missing_from_listing"] == 0
        assert "listing_incomplete" not in whole.records
        assert whole.records["records_new"] == 3
        assert len(syncrag.ledger("alice")) == 5


def test_records_skipped_after_a_saved_cursor_are_detected_by_the_next_run(
    emulator: Emulator,
    syncrag: Syncrag,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write(emulator, "alice", 2)
    sync_id = emulator.enable(syncrag.state, "alice")
    # Every page after the first of a listing comes back empty, claiming nothing remains. The
    # first run's listing is one page; the next run's starts after the saved cursor.
    emulator.set_faults(feed_break="truncate", feed_break_after_pages=1)
    assert syncrag.ingest("alice").records["listing_complete"] is True
    _write(emulator, "alice", 3, first=2)
    assert emulator.scan(sync_id, "incremental")["created"] == 3

    code, lines = _ingest_cli(syncrag, tmp_path, monkeypatch, capsys, "alice")

    assert code == 1, lines
    assert lines[0].endswith("[listing INCOMPLETE]")
    assert any("3 records fewer than their totalRecords implies" in line for line in lines[1:])


def test_a_deletion_confirmed_from_a_webhook_counts_as_deleted(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    _write(emulator, "alice", 2)
    sync_id = emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    gone = syncrag.ledger_by_name("alice")["memo00.md"]
    (emulator.folder("alice") / "memo00.md").unlink()
    assert emulator.scan(sync_id, "full")["deleted"] == 1
    # The record_deleted webhook is in the inbox, but the sync errors before the next pull: the
    # hint, confirmed with the API, is the only way this run learns of the deletion.
    syncrag.state.insert_event(
        dedup_key=f"deleted:{gone.record_id}",
        user_id="alice",
        sync_id=sync_id,
        event_type="record_deleted",
        record_id=gone.record_id,
        payload={"event": "record_deleted", "syncInstanceId": sync_id, "user": {"id": "alice"}},
    )
    emulator.error_sync(sync_id, "Credentials are no longer valid.")

    run = syncrag.ingest("alice")

    assert run.records["deletion_hints_confirmed"] == 1
    assert run.records["records_deleted"] == 1
    assert run.index["records_purged"] == 1


def test_a_failed_run_says_why_in_the_summary(
    emulator: Emulator,
    syncrag: Syncrag,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write(emulator, "alice", 1)
    emulator.enable(syncrag.state, "alice")
    wrong, _ = ensure_dev_keypair(tmp_path / "other-keys")

    code, lines = _ingest_cli(
        syncrag, tmp_path, monkeypatch, capsys, "alice", SYNCRAG_SIGNING_KEY_PATH=str(wrong)
    )

    assert code == 1
    [line] = lines
    assert line.startswith("alice: run failed: The Sync API refused the user token for user")
    assert "fix SYNCRAG_SIGNING_KEY_PATH" in line
    assert "Traceback" not in line and "Error occurred while executing" not in line
