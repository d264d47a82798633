"""syncrag's assets: the ledger of synced records and the vector index built from it."""

from assets.synced_records import SyncedRecordsConfig, synced_records
from assets.vector_index import vector_index

__all__ = ["SyncedRecordsConfig", "synced_records", "vector_index"]
