"""The lexical scheme: identifiers stay findable whole and by parts, vectors are deterministic
BM25 term weights, and the hash is pinned (changing it needs a new scheme name)."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resources.vectors import (
    LEXICAL_SCHEME,
    SparseVector,
    document_vector,
    lexical_terms,
    query_vector,
)
from resources.vectors.lexical import term_index


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("OPS-106", ["ops106", "ops", "106"]),
        ("os.path.commonpath", ["ospathcommonpath", "os", "path", "commonpath"]),
        ("PEP 572", ["pep", "572", "pep572"]),
        (":pep:`572`", ["pep", "572", "pep572"]),
        ("FileNotFoundError", ["filenotfounderror", "file", "found", "error"]),
        ("Tom Ellery", ["tom", "ellery"]),
        ("user_id", ["userid", "user", "id"]),
        ("The policies of the files", ["policy", "file"]),
    ],
)
def test_terms_keep_identifiers_whole_and_by_parts(text: str, terms: list[str]) -> None:
    assert lexical_terms(text) == terms


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("OPS-106", "see ticket ops-106"),
        ("OPS 106", "Ticket OPS-106: proofer seal"),
        ("PEP 572", "Assignment expressions, see :pep:`572`."),
        ("commonpath", "os.path.commonpath(paths)"),
        ("os.path.commonpath", ".. function:: commonpath(paths)"),
        ("file not found", "raises FileNotFoundError"),
    ],
)
def test_a_query_shares_terms_with_the_documents_that_name_it(query: str, document: str) -> None:
    assert set(query_vector(query).indices) & set(document_vector(document).indices)


def test_a_whole_identifier_matches_more_of_its_own_document_than_a_neighbours() -> None:
    query = set(query_vector("OPS-106").indices)
    own = set(document_vector("OPS-106 proofer seal").indices)
    neighbour = set(document_vector("OPS-103 element is 106 ohms").indices)
    assert len(query & own) > len(query & neighbour)


def test_the_hash_is_pinned() -> None:
    # A different hash would scatter every stored term: it needs a new scheme (new collection).
    assert LEXICAL_SCHEME == "lex1"
    assert [term_index(t) for t in ("ops106", "pep572", "commonpath")] == [
        541742895,
        1812561616,
        1459833920,
    ]


def test_document_weights_are_bm25_term_frequencies() -> None:
    once = dict(zip(*_pairs(document_vector("oven tray")), strict=True))
    twice = dict(zip(*_pairs(document_vector("oven oven tray")), strict=True))
    oven, tray = term_index("oven"), term_index("tray")
    # More occurrences weigh more, but less than in proportion (saturation).
    assert once[oven] < twice[oven] < 2 * once[oven]
    # A longer document weighs each occurrence a little less (length normalisation).
    assert twice[tray] < once[tray]


def test_a_query_weighs_each_distinct_term_once() -> None:
    vector = query_vector("oven oven tray")
    assert vector.values == (1.0, 1.0)
    assert vector.indices == tuple(sorted({term_index("oven"), term_index("tray")}))


def test_stop_words_alone_give_an_empty_vector() -> None:
    assert not query_vector("how do we do it?")
    assert not document_vector("")


@given(st.text(max_size=300))
def test_vectors_are_well_formed_for_any_text(text: str) -> None:
    for vector in (document_vector(text), query_vector(text)):
        assert list(vector.indices) == sorted(set(vector.indices))
        assert all(0 <= i < 2**32 for i in vector.indices)
        assert all(v > 0 for v in vector.values)
    assert document_vector(text) == document_vector(text)


def test_the_term_cache_stays_small_however_large_the_vocabulary() -> None:
    # The ingest process keeps the cache for its whole life: a corpus with a larger vocabulary
    # must not make it hold more (4,096 terms: 0.8 MB; at 65,536 it held 13 MB).
    term_index.cache_clear()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for start in range(0, 100_000, 1_000):
            document_vector(" ".join(f"term{n}x" for n in range(start, start + 1_000)))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 2 * 1024 * 1024


def test_a_sparse_vector_needs_a_value_per_index() -> None:
    with pytest.raises(ValueError, match="one value per index"):
        SparseVector((1, 2), (1.0,))


def _pairs(vector: SparseVector) -> tuple[tuple[int, ...], tuple[float, ...]]:
    return vector.indices, vector.values
