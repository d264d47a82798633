"""Searches one user's points: the query path behind `syncrag query` and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.permissions import AccessChecker, confirm_readers, normalize_email
from resources.embedding import Embedder
from resources.vectors import SearchHit, VectorStore

# A permission-aware query asks the store for this many times `limit` hits, so that enough
# remain once the ones the reader may not see are dropped.
OVERFETCH = 3


@dataclass(frozen=True)
class PermittedHits:
    """A permission-aware search's hits, and how many candidates it withheld and why."""

    hits: list[SearchHit]
    withheld_denied: int = 0
    withheld_unconfirmed: int = 0


def search_user(
    embedder: Embedder, store: VectorStore, user_id: str, text: str, *, limit: int = 5
) -> list[SearchHit]:
    """The user's chunks nearest to `text`; never another user's (the store filters by user_id)."""
    [vector] = embedder.embed([text])
    with store.open() as index:
        return index.search(user_id, vector, limit=limit)


def search_user_as(
    embedder: Embedder,
    store: VectorStore,
    checker: AccessChecker,
    user_id: str,
    text: str,
    email: str,
    *,
    limit: int = 5,
) -> PermittedHits:
    """The user's chunks nearest to `text` that `email` may read.

    The store drops chunks whose `readers` hint leaves `email` out; every remaining candidate's
    record, hinted or not, is then confirmed with the Permissions API, since hints are only as
    fresh as the record's last indexing. Anything not confirmed is withheld.
    """
    reader = normalize_email(email)
    if not reader:
        raise ValueError("--as needs the email of the person asking.")
    [vector] = embedder.embed([text])
    with store.open() as index:
        candidates = index.search(user_id, vector, limit=limit * OVERFETCH, readable_by=reader)
    decisions = confirm_readers(checker, user_id, reader, (_record_key(h) for h in candidates))
    hits = [h for h in candidates if _record_key(h) in decisions.allowed]
    return PermittedHits(
        hits=hits[:limit],
        withheld_denied=sum(_record_key(h) in decisions.denied for h in candidates),
        withheld_unconfirmed=sum(_record_key(h) in decisions.unconfirmed for h in candidates),
    )


def _record_key(hit: SearchHit) -> tuple[str, str]:
    return (str(hit.payload.get("sync_id", "")), str(hit.payload.get("record_id", "")))
