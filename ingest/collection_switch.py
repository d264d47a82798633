"""Keeps the ledger pointing at the configured vector collection: a new embedding model or runtime
(its own collection) re-indexes the user's records into it before the indexer runs.

A ledger row says 'indexed' without naming a collection; the state DB remembers, per user, the
collection those states refer to. When the configured one differs, the user's indexed records
become pending again and the indexer embeds them into the new collection. The old collection is
left as it is, so switching back costs a re-read of the records but no embedding of chunks it
still holds.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

from ingest.consistency import check_user_index
from resources.state import RecordState, StateStore
from resources.vectors import VectorStore

logger = logging.getLogger("syncrag.ingest")

# Ledger states whose records the indexer brings in line by itself: pending records are diffed
# against the points stored for them, deleted ones purged.
_INDEXER_HANDLES = frozenset({RecordState.INDEXED, RecordState.PENDING, RecordState.DELETED})


@dataclass(frozen=True)
class CollectionSwitch:
    """What following the configured collection did for one user."""

    user_id: str
    collection: str
    previous: str | None
    switched: bool = False
    records_reindexed: int = 0
    stale_points_deleted: int = 0


def follow_collection(state: StateStore, store: VectorStore, user_id: str) -> CollectionSwitch:
    """Point the user's ledger at `store`'s collection, re-opening its indexed records if the
    ledger was indexed into another one.

    Points of records the ledger has errored, purged or never seen are deleted from the new
    collection first (they can be left from an earlier time on it, which the indexer would not
    visit again). A user whose collection was never recorded (a new user, or a ledger indexed
    before syncrag recorded collections) adopts the configured one as it is if its points
    already match the ledger, and is re-indexed otherwise.
    """
    collection = store.collection_name
    previous = state.indexed_collection(user_id)
    if previous == collection:
        return CollectionSwitch(user_id, collection, previous)
    if previous is None and check_user_index(state, store, user_id).ok:
        state.move_to_collection(user_id, collection, expected=None, reindex=False)
        return CollectionSwitch(user_id, collection, previous)

    stale = _delete_stale_points(state, store, user_id)
    reopened = state.move_to_collection(user_id, collection, expected=previous, reindex=True)
    if reopened is None:
        # Another run moved this user first and re-opened the records itself.
        return CollectionSwitch(user_id, collection, previous, stale_points_deleted=stale)
    logger.info(
        "user %s: indexed into %s until now, %s is configured: re-indexing %d records",
        user_id,
        previous or "an unrecorded collection",
        collection,
        reopened,
    )
    return CollectionSwitch(
        user_id,
        collection,
        previous,
        switched=True,
        records_reindexed=reopened,
        stale_points_deleted=stale,
    )


def _delete_stale_points(state: StateStore, store: VectorStore, user_id: str) -> int:
    """Delete the user's points in `store` whose records the indexer would not revisit."""
    points_by_record: dict[tuple[str, str], list[str]] = {}
    with store.open() as index:
        for point in index.scroll(user_id):
            key = (str(point.payload.get("sync_id")), str(point.payload.get("record_id")))
            points_by_record.setdefault(key, []).append(point.id)
    if not points_by_record:
        return 0  # a collection new to this user: nothing can be stale
    for record in itertools.chain.from_iterable(state.record_pages(user_id, list(RecordState))):
        if record.state in _INDEXER_HANDLES:
            points_by_record.pop(record.key, None)
    stale = [point_id for ids in points_by_record.values() for point_id in ids]
    if not stale:
        return 0
    with store.open() as index:
        return index.delete_points(user_id, stale)
