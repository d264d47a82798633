"""End to end through the `syncrag` entry point: `explain` tells one record's story (ledger,
webhooks, runs, points, whether the index matches), `query --as` says honestly when the reader
may read nothing, and a refused token is one line and exit 1, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, Definitions

from assets import synced_records, vector_index
from pipelines.batch_job import BATCH_JOB_NAME, batch_run_config, ingest_users_job
from pipelines.cli import runtime
from pipelines.cli.main import main
from pipelines.partitions import USERS_PARTITIONS_NAME
from resources.state import StateStore
from tests.e2e.harness import (
    WEBHOOK_SECRET,
    Emulator,
    KeyFiles,
    Syncrag,
    install,
    paragraphs_document,
)
from webhooks import create_app as create_receiver

PLAN = paragraphs_document("Plan", ["The kettle ships in spring.", "Budget: two teapots."])


def _ingested_with_a_broken_pdf(wired: tuple[Emulator, Syncrag]) -> Syncrag:
    """alice with a plan and a file that cannot be read, ingested through the CLI."""
    emulator, syncrag = wired
    emulator.write("alice", "plan.md", PLAN)
    emulator.write("alice", "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nnot a pdf\n")
    emulator.enable(syncrag.state, "alice")
    assert main(["ingest", "--user", "alice"]) == 0
    return syncrag


@pytest.fixture
def wired(
    tmp_path: Path, keys: KeyFiles, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Emulator, Syncrag]]:
    """An emulator whose webhooks reach syncrag's receiver, and the syncrag install behind it,
    with the install's settings in the environment of the CLI (and its own DAGSTER_HOME)."""
    workdir = tmp_path / "syncrag"
    workdir.mkdir()
    (tmp_path / "corpus").mkdir()
    with (
        StateStore.open(f"sqlite:///{workdir / 'state.db'}") as inbox,
        DagsterInstance.ephemeral() as instance,
    ):
        emulator = Emulator(
            tmp_path / "corpus",
            keys,
            webhook_receiver=create_receiver(inbox, secret=WEBHOOK_SECRET),
        )
        syncrag = install(emulator, workdir, instance)
        for name, value in syncrag.environ.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster-cli"))
        monkeypatch.setenv("COLUMNS", "80")
        try:
            yield emulator, syncrag
        finally:
            syncrag.close()
            emulator.close()


def _explain(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["explain", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_explain_tells_a_records_story_from_webhooks_to_points(
    wired: tuple[Emulator, Syncrag], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, syncrag = wired
    emulator.write("alice", "docs/plan.md", PLAN)
    sync_id = emulator.enable(syncrag.state, "alice")
    emulator.flush_webhooks()  # sync_complete
    assert main(["ingest", "--user", "alice"]) == 0
    emulator.write("alice", "docs/plan.md", PLAN + "\nA late addendum about saucers.\n")
    emulator.scan(sync_id, "incremental")
    emulator.flush_webhooks()  # record_updated
    assert main(["ingest", "--user", "alice"]) == 0
    capsys.readouterr()

    story = _explain(capsys, "--user", "alice", "docs/plan.md")

    record = story["record"]
    assert (record["name"], record["external_id"], record["state"]) == (
        "plan.md",
        "docs/plan.md",
        "indexed",
    )
    assert [e["event_type"] for e in story["events"]] == ["sync_complete", "record_updated"]
    runs = [run["run_id"] for run in story["runs"]]
    assert len(runs) == 2
    assert story["first_pulled_by"] == runs[1]  # runs are newest first
    assert story["last_changed_by"] == runs[0]
    points = story["points"]
    assert len(points) == record["chunk_count"] > 0
    assert {p["point_id"] for p in points} == set(
        syncrag.record_points("alice", record["record_id"])
    )
    assert all(p["heading_path"][-1] == "Plan" for p in points)
    assert all(p["readers"] == ["alice@example.com"] for p in points)
    assert story["index_matches_ledger"] is True
    # The same record answers to its record id and to its name in another case.
    assert _explain(capsys, "--user", "alice", record["record_id"])["record"] == record
    assert _explain(capsys, "--user", "alice", "PLAN.MD")["record"] == record

    assert main(["explain", "--user", "alice", "plan.md"]) == 0
    text = capsys.readouterr().out
    assert "plan.md is indexed in" in text
    assert "matches the ledger" in text
    assert "first pulled it" in text and "last changed it" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_explain_says_why_a_record_errored_and_names_close_matches_of_a_wrong_name(
    wired: tuple[Emulator, Syncrag], capsys: pytest.CaptureFixture[str]
) -> None:
    _ingested_with_a_broken_pdf(wired)
    capsys.readouterr()

    story = _explain(capsys, "--user", "alice", "broken.pdf")

    assert story["record"]["state"] == "errored"
    assert story["record"]["error"]
    assert story["summary"].startswith("broken.pdf could not be indexed: ")
    assert story["points"] == []
    assert story["index_matches_ledger"] is True
    assert main(["explain", "--user", "alice", "broken.pdf"]) == 0
    assert "no points, as an errored record should have." in capsys.readouterr().out

    assert main(["explain", "--user", "alice", "broken"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("syncrag: no record of user 'alice' has the record id")
    assert err[1].strip().startswith("broken.pdf  (errored, record id ")

    assert main(["explain", "--user", "nobody", "plan.md"]) == 1
    assert "no sync of user 'nobody'" in capsys.readouterr().err


def test_ingest_retries_errored_records_only_when_asked(
    wired: tuple[Emulator, Syncrag], capsys: pytest.CaptureFixture[str]
) -> None:
    syncrag = _ingested_with_a_broken_pdf(wired)
    assert main(["ingest", "--user", "alice", "--full-reconcile"]) == 0
    capsys.readouterr()

    assert main(["ingest", "--user", "alice", "--retry-errored"]) == 0

    headline = capsys.readouterr().out.splitlines()[0]
    assert headline.startswith("alice: 0 new, 0 updated, 0 deleted, 1 errored retried; ")
    assert "1 errored," in headline  # the same file, tried again, errored again
    assert syncrag.ledger_by_name("alice")["broken.pdf"].attempts == 2


def test_a_query_as_someone_who_may_read_nothing_says_so(
    wired: tuple[Emulator, Syncrag], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, syncrag = wired
    emulator.write("alice", "plan.md", PLAN)
    emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")

    assert main(["query", "--user", "alice", "kettle", "--as", "mallory@example.com"]) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert "no results that mallory@example.com may read" in out
    assert "materialized" not in out


def test_a_refused_token_is_one_line_and_exit_1(
    wired: tuple[Emulator, Syncrag],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SYNCRAG_PARAGON_PROJECT_ID", "00000000-0000-4000-8000-000000000000")

    code = main(["enable", "--user", "bob", "--integration", "googledrive"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("syncrag: The Sync API refused the user token for user 'bob'")
    assert "SYNCRAG_PARAGON_PROJECT_ID" in err
    assert len(err.splitlines()) == 1


def test_query_hits_keep_their_indent_when_they_wrap(
    wired: tuple[Emulator, Syncrag], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, syncrag = wired
    long = " ".join(["The kettle release ships in spring with a new teapot lid."] * 4)
    emulator.write("alice", "plan.md", paragraphs_document("Plan", [long]))
    emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")

    assert main(["query", "--user", "alice", "kettle release", "-k", "1"]) == 0

    lines = capsys.readouterr().out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  1. "))
    block = [line for line in lines[first + 1 :] if line.strip()]
    assert len(block) >= 3  # heading, url, and text wrapped over more than one line
    assert all(line.startswith("     ") for line in block)
    assert max(len(line) for line in lines) <= 80


def test_explain_lists_the_batch_runs_that_covered_the_user(
    wired: tuple[Emulator, Syncrag], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, syncrag = wired
    for user in ("alice", "bob"):
        emulator.write(user, "docs/plan.md", PLAN)
        emulator.enable(syncrag.state, user)
    job = Definitions(
        assets=[synced_records, vector_index], jobs=[ingest_users_job], resources=syncrag.resources
    ).resolve_job_def(BATCH_JOB_NAME)
    runtime.ensure_dagster_home()  # the instance the CLI reads, as `syncrag ingest` makes it
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice", "bob"])
        batch = job.execute_in_process(
            instance=instance, run_config=batch_run_config(["alice", "bob"])
        )
        other = job.execute_in_process(instance=instance, run_config=batch_run_config(["bob"]))
    capsys.readouterr()

    story = _explain(capsys, "--user", "alice", "docs/plan.md")

    runs = [run["run_id"] for run in story["runs"]]
    assert runs == [batch.run_id]  # bob's batch did not cover alice
    assert other.run_id not in runs
    assert story["first_pulled_by"] == batch.run_id
