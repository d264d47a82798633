"""The latency measure's documents: one page each, distinct, found by their first paragraph."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.latency import PAGE_WORDS, one_page_documents, page_with_token, write_atomically
from bench.latency_phases import ChangeTiming, RunTiming, phase_medians, split_phases


def test_pages_are_distinct_and_about_one_page_long() -> None:
    pages = one_page_documents(25, seed=4)

    assert len(pages) == len(set(pages)) == 25
    for page in pages:
        assert PAGE_WORDS <= len(page.split()) < 3 * PAGE_WORDS


def test_the_token_is_in_the_query_and_the_first_paragraph() -> None:
    [body] = one_page_documents(1, seed=4)

    markdown, query = page_with_token(body, "zq0123456789", 7)

    assert markdown.startswith("# Latency check 7\n\n")
    assert "zq0123456789" in query
    first_paragraph = markdown.split("\n\n")[1]
    assert first_paragraph == query


def test_files_appear_whole_and_leave_no_partial_behind(tmp_path: Path) -> None:
    target = tmp_path / "changes" / "change-01.md"

    write_atomically(target, "# A page\n")

    assert target.read_text() == "# A page\n"
    assert [p.name for p in target.parent.iterdir()] == ["change-01.md"]


def test_phases_follow_each_change_through_its_webhook_and_run() -> None:
    changes = [ChangeTiming(100.0, 130.0), ChangeTiming(200.0, 221.0)]
    inbox = [50.0, 101.0, 201.5]
    runs = [RunTiming(60.0, 61.0), RunTiming(104.0, 112.0), RunTiming(203.0, 205.0)]

    phases = split_phases(changes, inbox, runs)

    assert phases["to_inbox"] == pytest.approx([1.0, 1.5])
    assert phases["to_run_created"] == pytest.approx([3.0, 1.5])
    assert phases["to_run_started"] == pytest.approx([8.0, 2.0])
    assert phases["to_searchable"] == pytest.approx([18.0, 16.0])
    assert phase_medians(phases)["to_inbox"] == pytest.approx(1.25)


def test_a_change_found_before_any_run_started_is_left_out() -> None:
    # e.g. an incremental-poll run already under way picked the change up
    changes = [ChangeTiming(100.0, 110.0)]
    phases = split_phases(changes, [101.0], [RunTiming(102.0, None), RunTiming(120.0, 121.0)])
    assert all(values == [] for values in phases.values())
