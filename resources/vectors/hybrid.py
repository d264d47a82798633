"""What a search asks of either backend: the vectors' names, how deep each side of a fused
search reads, and the constant of reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resources.vectors.lexical import SparseVector
from resources.vectors.validation import check_sparse_query, check_vector

__all__ = [
    "DENSE_VECTOR",
    "DENSE_WEIGHT",
    "LEXICAL_VECTOR",
    "LEXICAL_WEIGHT",
    "MIN_PREFETCH",
    "PREFETCH_FACTOR",
    "RRF_K",
    "SearchPlan",
    "plan_search",
    "prefetch_limit",
]

# The dense vector keeps Qdrant's default (unnamed) slot, as before lexical vectors existed.
DENSE_VECTOR = ""
LEXICAL_VECTOR = "lexical"
# Reciprocal rank fusion as Qdrant computes it: a point at 0-based position p of a side with
# weight w scores 1 / ((p + 1) / w + RRF_K - 1), summed over the sides that found it. A small k
# (Qdrant's default, 2) keeps each side's best hits on top: an identifier that only the lexical
# side finds still comes first. Weighting the lexical side 1.5 lifts chunks both sides rank
# well. Measured against k=60 (the RRF paper's) and other weights by `python -m bench.retrieval`
# (docs/benchmarks.md, "Retrieval"): k=60 left 19% of identifier queries out of the top 5.
RRF_K = 2
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.5
# Each side of a fused search reads this many times the asked limit, at least MIN_PREFETCH, so
# that a point ranked moderately by both can still rise to the top.
PREFETCH_FACTOR = 4
MIN_PREFETCH = 40


def prefetch_limit(limit: int) -> int:
    """How many candidates each side of a fused search of `limit` hits reads."""
    return max(limit * PREFETCH_FACTOR, MIN_PREFETCH)


@dataclass(frozen=True)
class SearchPlan:
    """The checked vectors of one search: dense, lexical or both (fused); neither: no hits."""

    dense: list[float] | None
    lexical: SparseVector | None

    @property
    def matches_nothing(self) -> bool:
        return self.dense is None and self.lexical is None


def plan_search(
    vector: Sequence[float] | None,
    sparse: SparseVector | None,
    *,
    dimension: int,
    lexical: bool,
) -> SearchPlan:
    """What a search of `vector` and/or `sparse` runs, with both checked for the collection.

    An empty lexical vector (a query of stop words only) drops out: alone it matches nothing,
    beside a dense vector the search is dense only.
    """
    if vector is None and sparse is None:
        raise ValueError("A search needs a dense vector, a lexical vector or both.")
    dense = None if vector is None else check_vector(vector, dimension)
    terms = check_sparse_query(sparse, lexical=lexical)
    return SearchPlan(dense, terms if terms else None)
