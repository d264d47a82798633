"""Turns Sync API records into ledger changes: what the ledger stores of a record and its hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from resources.state import RecordChange
from resources.sync_api import SyncedRecord


def metadata_hash(raw: Mapping[str, Any]) -> str:
    """A stable hash of a record object: any change to its fields marks it for re-indexing."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def change_from_record(record: SyncedRecord) -> RecordChange:
    """The ledger change a pulled record (or tombstone) stands for."""
    raw = dict(record.raw)
    return RecordChange(
        record_id=record.id,
        external_id=record.external_id,
        name=record.name or _display_name(raw),
        mime_type=record.mime_type,
        url=record.url or _str_or_none(raw.get("externalUrl")),
        source_updated_at=record.updated_at,
        metadata_hash=metadata_hash(raw),
        deleted=record.deleted,
        raw=raw,
    )


def _display_name(raw: Mapping[str, Any]) -> str | None:
    for key in ("name", "title", "fullName", "subject"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value
    first, last = raw.get("firstName"), raw.get("lastName")
    parts = [p for p in (first, last) if isinstance(p, str) and p.strip()]
    return " ".join(parts) or None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
