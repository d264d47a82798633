"""The emulator's state: syncs and their records in feed order, as plain data saved as JSON."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

STATE_VERSION = 1


@dataclass
class RecordState:
    """One synced record; `seq` is the sequence number of its last change (its feed position)."""

    id: str
    external_id: str
    seq: int
    changed_at: float
    fingerprint: str
    path: str
    data: dict[str, Any]
    deleted: bool = False
    mtime_ns: int = 0
    size: int = 0
    hashed_at: float = 0.0

    def feed_item(self) -> dict[str, Any]:
        """The record as the feed lists it; a tombstone keeps only its ids."""
        if self.deleted:
            return {"id": self.id, "externalId": self.external_id, "deleted": True}
        return self.data


@dataclass
class SyncState:
    """One sync; `records` iterates in ascending `seq` (a changed record is moved to the end)."""

    id: str
    user_id: str
    integration: str
    pipeline: str
    configuration: dict[str, Any]
    configuration_name: str
    credential_id: str
    status: str
    date_created: float
    date_updated: float
    enabled_at: float
    reason: str | None = None
    incremental_frequency: str | None = None
    last_synced_at: float | None = None
    last_incremental_at: float | None = None
    last_full_at: float | None = None
    full_sync_requested: bool = False
    records: dict[str, RecordState] = field(default_factory=dict)
    # Not persisted: a scan in progress shows as ACTIVE.
    scanning: bool = False

    @property
    def shown_status(self) -> str:
        """The status the API reports (ACTIVE while a scan runs)."""
        return (
            "ACTIVE" if self.scanning and self.status in ("INITIALIZING", "IDLE") else self.status
        )

    def active_count(self) -> int:
        """Records that are not tombstones."""
        return sum(1 for record in self.records.values() if not record.deleted)

    def latest_seq(self) -> int | None:
        """Sequence of the last record in the feed, None for an empty feed."""
        if not self.records:
            return None
        return next(reversed(self.records.values())).seq

    def put_record(self, record: RecordState) -> None:
        """Insert or move `record` to the end of the feed; its `seq` must be the newest."""
        self.records.pop(record.id, None)
        self.records[record.id] = record

    def to_json(self) -> dict[str, Any]:
        """Plain data for the state file."""
        data = asdict(self)
        data.pop("scanning")
        data["records"] = [asdict(record) for record in self.records.values()]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SyncState:
        """Rebuild a sync from `to_json` output."""
        records = sorted((RecordState(**item) for item in data["records"]), key=lambda r: r.seq)
        fields = {k: v for k, v in data.items() if k != "records"}
        sync = cls(**fields)
        for record in records:
            sync.records[record.id] = record
        return sync


class EmulatorState:
    """All syncs plus the global change sequence, guarded by one re-entrant lock.

    The sequence is global and only grows, so a sync deleted and enabled again keeps numbering
    after its old records and a cursor saved from the old incarnation still returns every new one.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.syncs: dict[str, SyncState] = {}
        self.sequence = 0

    def next_seq(self) -> int:
        """A fresh, strictly increasing sequence number."""
        with self.lock:
            self.sequence += 1
            return self.sequence

    def to_json(self) -> dict[str, Any]:
        """Plain data for the state file."""
        with self.lock:
            return {
                "version": STATE_VERSION,
                "sequence": self.sequence,
                "syncs": [sync.to_json() for sync in self.syncs.values()],
            }

    def load_json(self, data: dict[str, Any]) -> None:
        """Replace the state with `to_json` output; raises ValueError for another version."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(
                f"Emulator state version {data.get('version')!r} is not {STATE_VERSION}; "
                "remove the state directory to start afresh."
            )
        with self.lock:
            self.sequence = int(data["sequence"])
            self.syncs = {s["id"]: SyncState.from_json(s) for s in data["syncs"]}
