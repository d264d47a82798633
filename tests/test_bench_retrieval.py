"""bench.retrieval's labelling and scoring, on small inputs (no model, no emulator)."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from bench.retrieval import fuse
from bench.retrieval_queries import (
    IndexedDocument,
    LabeledQuery,
    demo_identifier_queries,
    document_key,
    python_identifier_queries,
)
from bench.retrieval_report import QueryOutcome, render_markdown, summarize, update_docs
from demo import SampleDocument
from resources.vectors import SearchHit


@pytest.mark.parametrize(
    ("external_id", "key"),
    [
        ("recipes/country-sourdough.md", "recipes/country-sourdough"),
        ("menu/spring-menu-pricing.docx", "menu/spring-menu-pricing"),
        ("library/os.path.rst.txt", "library/os.path"),
        ("OPS-106", "OPS-106"),
    ],
)
def test_document_keys_drop_the_file_extension(external_id: str, key: str) -> None:
    assert document_key(external_id) == key


OS_PATH = """\
:mod:`os.path` --- Common pathname manipulations
================================================

.. module:: os.path

.. function:: abspath(path)

   Return a normalized absolutized version of the pathname *path*.

.. function:: commonpath(paths)

   Return the longest common sub-path of each pathname in the sequence.
"""
EXCEPTIONS = """\
.. exception:: FileNotFoundError

   Raised when a file or directory is requested but doesn't exist.
"""
WHATSNEW = "Assignment expressions (:pep:`572`) and positional-only parameters (PEP 570).\n"


def test_python_identifiers_are_qualified_and_point_at_the_page_that_documents_them() -> None:
    pages = {"library/os.path": OS_PATH, "library/exceptions": EXCEPTIONS, "whatsnew": WHATSNEW}
    documents = {key: IndexedDocument(key, [text]) for key, text in pages.items()}
    queries = {q.text: q for q in python_identifier_queries(pages, documents, "u")}
    assert set(queries) == {
        "os.path.abspath",
        "os.path.commonpath",
        "FileNotFoundError",
        "PEP 572",
        "PEP 570",
    }
    commonpath = queries["os.path.commonpath"]
    assert (commonpath.kind, commonpath.relevant) == ("function", frozenset({"library/os.path"}))
    assert "commonpath(" in commonpath.markers
    assert queries["FileNotFoundError"].relevant == frozenset({"library/exceptions"})
    assert queries["PEP 572"].relevant == frozenset({"whatsnew"})
    assert all(q.is_identifier for q in queries.values())


def test_demo_identifiers_come_from_tickets_contacts_and_facts(tmp_path: Path) -> None:
    tickets = tmp_path / "alice" / "jira" / "tickets"
    tickets.mkdir(parents=True)
    ticket = {
        "externalId": "OPS-106",
        "assignees": ["Joanna Pike"],
        "comments": [{"author": "Tom Ellery"}],
    }
    (tickets / "OPS-106.json").write_text(json.dumps(ticket))
    contacts = tmp_path / "alice" / "hubspot" / "contacts"
    contacts.mkdir(parents=True)
    (contacts / "contacts.jsonl").write_text(
        json.dumps({"fullName": "Gerrit Bellweather", "companyName": "Nobody Mentions Ltd"}) + "\n"
    )
    sample = SampleDocument(
        "alice",
        PurePosixPath("alice/googledrive/files/goods-in/check.pdf"),
        "pdf",
        "Check",
        "text",
        ("GI-6999", "89 cases", "Ruth Calloway"),
    )
    documents = {
        "OPS-106": IndexedDocument("Card terminal", ["Ticket OPS-106, Joanna Pike"]),
        "40100137": IndexedDocument("Gerrit Bellweather", ["Bellweather Creamery"]),
        "goods-in/check": IndexedDocument("Check", ["GI-6999 checked by Ruth Calloway"]),
        "OPS-103": IndexedDocument("Chiller", ["Tom Ellery: see OPS-106"]),
    }
    queries = {q.text: q for q in demo_identifier_queries(tmp_path, [sample], {"alice": documents})}
    assert queries["OPS-106"].relevant == frozenset({"OPS-106"})  # the ticket, not its mentions
    assert queries["GI-6999"].kind == "code"
    assert queries["Tom Ellery"].relevant == frozenset({"OPS-103"})
    assert queries["Gerrit Bellweather"].relevant == frozenset({"40100137"})
    assert "Nobody Mentions Ltd" not in queries  # in no document: nothing can answer it
    assert "89 cases" not in queries


def hit(pid: str, key: str, text: str = "") -> SearchHit:
    return SearchHit(pid, 0.0, {"external_id": key, "text": text})


def test_fusion_ranks_agreement_first_and_weighs_as_qdrant_does() -> None:
    dense = [hit("a", "A"), hit("b", "B")]
    sparse = [hit("b", "B"), hit("c", "C")]
    fused = fuse(dense, sparse, 60, 1.0)
    assert [h.id for h in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 60)
    # A weight divides the position: Qdrant's weighted RRF (checked against Qdrant Edge).
    weighted = fuse(dense, sparse, 5, 1.5)
    assert weighted[0].score == pytest.approx(1 / 6 + 1 / (1 / 1.5 + 4))


def test_summaries_count_recall_mrr_and_chunk_hits() -> None:
    query = LabeledQuery("demo", "u", "ticket", "OPS-1", frozenset({"T"}), ("OPS-1",))
    modes = ("dense", "sparse", "hybrid")
    found = QueryOutcome(query, dict.fromkeys(modes, 2), dict.fromkeys(modes, True))
    missed = QueryOutcome(query, dict.fromkeys(modes, None), dict.fromkeys(modes, False))
    summary = summarize([found, missed], "hybrid")
    assert summary == {
        "queries": 2,
        "recall_at_5": 0.5,
        "mrr_at_10": 0.25,
        "chunk_hit_at_5": 0.5,
    }


def test_the_generated_part_replaces_only_its_markers(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nWritten by hand.\n")
    update_docs(page, "first")
    update_docs(page, "second")
    text = page.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    assert "second" in text and "first" not in text


def test_the_report_renders(tmp_path: Path) -> None:
    groups = {
        "identifiers": {
            mode: {"queries": 1, "recall_at_5": 1.0, "mrr_at_10": 1.0, "chunk_hit_at_5": 1.0}
            for mode in ("dense", "sparse", "hybrid", "k=60")
        }
    }
    run = {
        "variant": "dense-only",
        "round": 0,
        "seconds": 1.0,
        "cpu_seconds": 1.0,
        "chunks": 3,
        "embedded": 3,
        "seconds_embedding": 0.5,
        "seconds_storing": 0.1,
    }
    report = {
        "command": "python -m bench.retrieval",
        "seconds": 60.0,
        "machine": {
            "nproc": 2,
            "cpu_model": "cpu",
            "python": "3.11",
            "load_average_at_start": [1.0, 1.0, 1.0],
        },
        "load_average_at_end": [1.0, 1.0, 1.0],
        "k": 5,
        "rrf_k": 2,
        "lexical_weight": 1.5,
        "prefetch": 40,
        "ingest": {
            "runs": [run, {**run, "variant": "with lexical vectors", "seconds": 1.1}],
            "median_seconds": {"dense-only": 1.0, "with lexical vectors": 1.1},
            "ratio_of_medians": 1.1,
            "ratio_per_round": [1.1],
            "median_ratio_per_round": 1.1,
            "cpu_ratio_of_medians": 1.0,
        },
        "corpora": {"demo": {"note": "n", "groups": groups, "hybrid_misses": []}},
        "targets": [{"target": "t", "measured": 1.0, "bound": ">= 0.90", "met": True}],
    }
    markdown = render_markdown(report)
    assert "median of these **1.100x**" in markdown
    assert "| identifiers | 1 | 1.000 / 1.000 / 1.000 |" in markdown
