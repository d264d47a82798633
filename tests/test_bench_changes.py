"""bench.changes: which documents each scenario touches, and that the edits land on them only."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.changes import (
    TOP_PARAGRAPH,
    apply_deletions,
    apply_edits,
    apply_top_insert,
    plan_changes,
    share_of,
)
from bench.corpus import BenchCorpus, BenchDocument

BODY = (
    "# Title\n\nThe first paragraph has enough words to be edited here.\n\n"
    "A second one too, long enough.\n"
)


def corpus_of(tmp_path: Path, specs: list[tuple[str, int]]) -> BenchCorpus:
    documents = []
    for number, (fmt, words) in enumerate(specs):
        path = tmp_path / "u" / "googledrive" / "files" / f"doc-{number:03d}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BODY if fmt in ("md", "txt") else "binary-ish", encoding="utf-8")
        documents.append(BenchDocument("u", path.name, path, fmt, words))
    return BenchCorpus("test", tmp_path, tuple(documents))


@pytest.mark.parametrize(
    ("total", "share", "expected"),
    [(120, 0.01, 2), (120, 0.05, 6), (100, 0.05, 5), (12, 0.01, 1), (0, 0.05, 0), (3, 0.5, 2)],
)
def test_share_rounds_up_and_is_at_least_one(total: int, share: float, expected: int) -> None:
    assert share_of(total, share) == expected


def test_plan_edits_editable_documents_and_inserts_into_the_longest(tmp_path: Path) -> None:
    specs = [("pdf", 30_000)] + [("md", 100 + n) for n in range(60)] + [("docx", 50)] * 59
    corpus = corpus_of(tmp_path, specs)

    plan = plan_changes(corpus, seed=3)

    assert plan.top_insert is not None
    assert plan.top_insert.words == 159  # the longest md, not the longer pdf
    assert len(plan.edits) == 2 and all(d.fmt == "md" for d in plan.edits)
    assert len(plan.deletions) == 6
    touched = [plan.top_insert, *plan.edits]
    assert not any(d in touched for d in plan.deletions)


def test_the_same_seed_gives_the_same_plan(tmp_path: Path) -> None:
    corpus = corpus_of(tmp_path, [("md", n) for n in range(1, 41)])
    assert plan_changes(corpus, seed=5) == plan_changes(corpus, seed=5)
    assert plan_changes(corpus, seed=5) != plan_changes(corpus, seed=6)


def test_a_corpus_without_editable_documents_plans_only_deletions(tmp_path: Path) -> None:
    plan = plan_changes(corpus_of(tmp_path, [("pdf", 10)] * 5), seed=1)
    assert plan.top_insert is None and plan.edits == ()
    assert len(plan.deletions) == 1


def test_edits_change_exactly_the_planned_files(tmp_path: Path) -> None:
    corpus = corpus_of(tmp_path, [("md", n) for n in range(1, 11)])
    target, other = corpus.documents[2], corpus.documents[3]

    edited = apply_edits((target,), seed=1)

    assert edited == [target]
    assert target.path.read_text() != BODY
    assert other.path.read_text() == BODY


def test_top_insert_puts_the_paragraph_first_and_deletions_remove_files(tmp_path: Path) -> None:
    corpus = corpus_of(tmp_path, [("md", 10), ("md", 20)])
    first, second = corpus.documents

    apply_top_insert(first)
    apply_deletions((second,))

    body = first.path.read_text()
    assert body.index(TOP_PARAGRAPH) < body.index("The first paragraph")
    assert corpus.live() == [first]
