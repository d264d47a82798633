"""Searches one user's points: the query path behind `syncrag query` and the tests.

A search is dense (the embedding's nearest chunks), sparse (BM25 over the lexical vectors:
exact words, identifiers, names) or hybrid (both, fused by reciprocal rank in the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ingest.permissions import AccessChecker, confirm_readers, normalize_email
from resources.embedding import Embedder
from resources.vectors import SearchHit, SparseVector, VectorStore, query_vector


class SearchMode(StrEnum):
    """Which of a point's vectors a search ranks by."""

    DENSE = "dense"
    SPARSE = "sparse"
    HYBRID = "hybrid"


# Hybrid finds identifiers and names that dense search misses, and answers natural questions as
# well as dense search does (docs/benchmarks.md, "Retrieval").
DEFAULT_MODE = SearchMode.HYBRID

# A permission-aware query asks the store for this many times `limit` hits, so that enough
# remain once the ones the reader may not see are dropped.
OVERFETCH = 3


@dataclass(frozen=True)
class PermittedHits:
    """A permission-aware search's hits, and how many candidates it withheld and why."""

    hits: list[SearchHit]
    withheld_denied: int = 0
    withheld_unconfirmed: int = 0


def query_vectors(
    embedder: Embedder, text: str, mode: SearchMode
) -> tuple[list[float] | None, SparseVector | None]:
    """The dense and lexical vectors a search of `text` in `mode` needs (None: not used).

    A sparse search never runs the model.
    """
    dense = None if mode is SearchMode.SPARSE else embedder.embed([text])[0]
    sparse = None if mode is SearchMode.DENSE else query_vector(text)
    return dense, sparse


def search_user(
    embedder: Embedder,
    store: VectorStore,
    user_id: str,
    text: str,
    *,
    limit: int = 5,
    mode: SearchMode = DEFAULT_MODE,
) -> list[SearchHit]:
    """The user's chunks that best match `text`; never another user's (the store filters every
    stage by user_id)."""
    dense, sparse = query_vectors(embedder, text, mode)
    with store.open() as index:
        return index.search(user_id, dense, limit=limit, sparse=sparse)


def search_user_as(
    embedder: Embedder,
    store: VectorStore,
    checker: AccessChecker,
    user_id: str,
    text: str,
    email: str,
    *,
    limit: int = 5,
    mode: SearchMode = DEFAULT_MODE,
) -> PermittedHits:
    """The user's chunks that best match `text` and that `email` may read.

    The store drops chunks whose `readers` hint leaves `email` out; every remaining candidate's
    record, hinted or not, is then confirmed with the Permissions API, since hints are only as
    fresh as the record's last indexing. Anything not confirmed is withheld.
    """
    reader = normalize_email(email)
    if not reader:
        raise ValueError("--as needs the email of the person asking.")
    dense, sparse = query_vectors(embedder, text, mode)
    with store.open() as index:
        candidates = index.search(
            user_id, dense, limit=limit * OVERFETCH, sparse=sparse, readable_by=reader
        )
    decisions = confirm_readers(checker, user_id, reader, (_record_key(h) for h in candidates))
    hits = [h for h in candidates if _record_key(h) in decisions.allowed]
    return PermittedHits(
        hits=hits[:limit],
        withheld_denied=sum(_record_key(h) in decisions.denied for h in candidates),
        withheld_unconfirmed=sum(_record_key(h) in decisions.unconfirmed for h in candidates),
    )


def _record_key(hit: SearchHit) -> tuple[str, str]:
    return (str(hit.payload.get("sync_id", "")), str(hit.payload.get("record_id", "")))
