"""syncrag's assets: the ledger of synced records and the vector index built from it."""

from assets.synced_records import SyncedRecordsConfig, synced_records
from assets.vector_index import VECTOR_STORE_POOL, vector_index

__all__ = ["VECTOR_STORE_POOL", "SyncedRecordsConfig", "synced_records", "vector_index"]
