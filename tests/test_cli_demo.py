"""What `syncrag demo` prints after its runs: this run's changes, the index's totals next to
them (a second run changes nothing, yet the index is not empty), the errored records, chunks
that add up, and where to go next."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from pipelines.cli.demo import next_steps, print_summary, summary_table
from pipelines.cli.ingest import UserRunSummary
from pipelines.settings import Settings

LONG_USER = "user-with-a-rather-long-id-0@example.com"


def second_run(user: str, *, errored: int = 0) -> UserRunSummary:
    """A run that found nothing new: every delta 0, the index's totals as the run left them."""
    return UserRunSummary(
        user_id=user,
        success=True,
        records={"records_new": 0, "records_updated": 0},
        index={
            "records_indexed": 0,
            "records_errored": 0,
            "chunks_total": 0,
            "chunks_embedded": 0,
            "chunks_reused": 0,
            "ledger_indexed": 45,
            "ledger_pending": 0,
            "ledger_errored": errored,
            "ledger_deleted": 0,
            "ledger_purged": 0,
            "points": 229,
        },
    )


def printed(summaries: list[UserRunSummary]) -> list[str]:
    console = Console(width=80, record=True)
    print_summary(console, summaries, 3.5)
    return console.export_text().splitlines()


def row_of(lines: list[str], user: str, after: str) -> list[str]:
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(line for line in lines[start:] if line.split()[:1] == [user]).split()


def test_a_second_run_shows_the_index_totals_next_to_its_zeros() -> None:
    lines = printed([second_run("alice", errored=11), second_run("bob")])
    text = "\n".join(lines)

    assert "this run's changes" in text
    assert row_of(lines, "alice", "this run's changes")[1:7] == ["0"] * 6
    assert "In the index now" in text
    header = next(line for line in lines if "synced" in line and "points" in line)
    assert header.split() == ["user", "synced", "indexed", "pending", "errored", "points"]
    assert row_of(lines, "alice", "In the index now") == ["alice", "56", "45", "0", "11", "229"]
    assert row_of(lines, "bob", "In the index now") == ["bob", "45", "45", "0", "0", "229"]
    # The errored records are named, with where to see why; bob has none.
    assert "alice: 11 record(s) could not be indexed" in text
    assert "syncrag status --user alice" in text
    assert "bob: " not in text


def test_the_summary_fits_80_columns_with_long_user_ids() -> None:
    lines = printed([second_run(LONG_USER, errored=3), second_run(LONG_USER + "x")])

    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "synced" in line and "points" in line)
    assert header.split() == ["user", "synced", "indexed", "pending", "errored", "points"]


def test_a_failed_run_without_totals_shows_them_as_unknown() -> None:
    failed = UserRunSummary(user_id="carol", success=False, failure="boom")

    lines = printed([failed])

    assert row_of(lines, "carol", "In the index now") == ["carol", "?", "?", "?", "?", "?"]


def test_chunks_add_up_to_embedded_plus_reused() -> None:
    # 229 chunks, 226 distinct texts embedded: 3 chunks repeat another chunk's text and share
    # its vector; none was in the index before.
    first = UserRunSummary(
        user_id="alice",
        success=True,
        records={"records_new": 56},
        index={
            "records_indexed": 56,
            "chunks_total": 229,
            "chunks_embedded": 226,
            "chunks_reused": 0,
        },
    )
    console = Console(width=80, record=True)

    console.print(summary_table([first], 20.0))

    lines = console.export_text().splitlines()
    row = row_of(lines, "alice", "this run's changes")
    chunks, embedded, reused = (int(n) for n in row[4:7])
    assert (chunks, embedded, reused) == (229, 226, 3)
    text = " ".join(" ".join(lines).split())
    assert "identical chunk of this run (3 of them)" in text
    assert "chunks = embedded + reused" in text


def test_a_plain_demo_ends_with_how_to_query_and_where_the_data_is(tmp_path: Path) -> None:
    settings = Settings.from_env({"SYNCRAG_HOME": str(tmp_path)})
    corpus = tmp_path / "demo" / "corpus"
    console = Console(width=300, record=True)  # wide: the temporary paths are long

    console.print(next_steps(["alice", "bob"], corpus, settings))

    text = console.export_text()
    assert '.venv/bin/syncrag query --user alice "your question"' in text
    assert f"corpus  {corpus}\n" in text
    assert f"ledger  {tmp_path / 'state.db'}\n" in text
    assert f"index   {settings.qdrant_edge_path}" in text
