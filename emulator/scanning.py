"""Applies a scan of the source to a sync's records: new sequences, tombstones, events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.folder_source import KnownFile, SourceItem, SourceScan
from emulator.ids import record_id
from emulator.state import EmulatorState, RecordState, SyncState
from emulator.timestamps import iso

ScanKind = Literal["initial", "incremental", "full"]
SCAN_KINDS: tuple[ScanKind, ...] = ("initial", "incremental", "full")


@dataclass
class ScanCounts:
    """Records a scan created, updated and tombstoned, with their ids in that order."""

    kind: ScanKind
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Counts for the admin API."""
        return {
            "kind": self.kind,
            "created": len(self.created),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
        }


def known_files(sync: SyncState) -> dict[str, KnownFile]:
    """What the sync last saw of each live record's file (lets a scan skip re-hashing)."""
    return {
        record.external_id: KnownFile(
            record.mtime_ns, record.size, record.fingerprint, record.hashed_at
        )
        for record in sync.records.values()
        if not record.deleted and record.mtime_ns
    }


def _record_data(rid: str, item: SourceItem, previous: RecordState | None, now: float) -> dict:
    data: dict[str, Any] = {"id": rid, **item.fields}
    if data.get("createdAt") is None:
        kept = previous.data.get("createdAt") if previous is not None else None
        data["createdAt"] = kept or iso(item.created_fallback)
    if data.get("updatedAt") is None:
        data["updatedAt"] = iso(now)
    return data


def apply_scan(
    state: EmulatorState, sync: SyncState, scan: SourceScan, kind: ScanKind, now: float
) -> ScanCounts:
    """Bring `sync.records` in line with `scan`; call with `state.lock` held.

    Every scan records new and changed items; only `initial` and `full` scans tombstone
    records missing from the source (an incremental sync cannot see deletions, as at Paragon).
    """
    counts = ScanCounts(kind)
    for external_id, item in scan.items.items():
        rid = record_id(sync.id, external_id)
        previous = sync.records.get(rid)
        if previous is not None and not previous.deleted:
            if previous.fingerprint == item.fingerprint:
                # Same content: remember a touched file's new mtime, keep its feed position.
                previous.mtime_ns, previous.size = item.mtime_ns, item.size
                previous.hashed_at = item.hashed_at
                continue
            counts.updated.append(rid)
        else:
            counts.created.append(rid)
        record = RecordState(
            id=rid,
            external_id=external_id,
            seq=state.next_seq(),
            changed_at=now,
            fingerprint=item.fingerprint,
            path=item.path,
            data=_record_data(rid, item, previous, now),
            mtime_ns=item.mtime_ns,
            size=item.size,
            hashed_at=item.hashed_at,
        )
        sync.put_record(record)
    if kind != "incremental":
        seen = {record_id(sync.id, external_id) for external_id in scan.items}
        vanished = [r for r in sync.records.values() if not r.deleted and r.id not in seen]
        for record in vanished:
            tombstone = RecordState(
                id=record.id,
                external_id=record.external_id,
                seq=state.next_seq(),
                changed_at=now,
                fingerprint="",
                path=record.path,
                data={},
                deleted=True,
            )
            sync.put_record(tombstone)
            counts.deleted.append(record.id)
    return counts
