"""Ingestion logic in plain Python: pull changes into the ledger, index them, reconcile deletions.

The Dagster assets call these; nothing here imports Dagster.
"""

from ingest.collection_switch import CollectionSwitch, follow_collection
from ingest.index import Indexer, IndexReport
from ingest.pull import PullReport, SyncPullReport, pull_user, refresh_syncs, remember_sync
from ingest.reconcile import ReconcileReport, reconcile_sync

__all__ = [
    "CollectionSwitch",
    "IndexReport",
    "Indexer",
    "PullReport",
    "ReconcileReport",
    "SyncPullReport",
    "follow_collection",
    "pull_user",
    "reconcile_sync",
    "refresh_syncs",
    "remember_sync",
]
