"""syncrag's assets: the ledger of synced records and the vector index built from it."""

from assets.synced_records import SyncedRecordsConfig, pull_user_records, synced_records
from assets.vector_index import index_user_records, vector_index

__all__ = [
    "SyncedRecordsConfig",
    "index_user_records",
    "pull_user_records",
    "synced_records",
    "vector_index",
]
