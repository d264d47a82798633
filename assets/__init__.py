"""syncrag's assets: the ledger of synced records and the vector index built from it."""

from assets.attributes import with_settings_attributes
from assets.synced_records import (
    FRESHNESS_CHECK,
    SyncedRecordsConfig,
    pull_user_records,
    synced_records,
)
from assets.vector_index import index_user_records, vector_index

__all__ = [
    "FRESHNESS_CHECK",
    "SyncedRecordsConfig",
    "index_user_records",
    "pull_user_records",
    "synced_records",
    "vector_index",
    "with_settings_attributes",
]
