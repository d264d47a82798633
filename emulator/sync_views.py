"""JSON shapes of syncs in Sync API answers (SPEC §2.1-2.3)."""

from __future__ import annotations

from typing import Any

from emulator.feed import encode_cursor
from emulator.state import SyncState
from emulator.timestamps import iso


def enable_view(sync: SyncState, project_id: str) -> dict[str, Any]:
    """Answer of Enable a Sync."""
    return {
        "id": sync.id,
        "userId": sync.user_id,
        "integration": sync.integration,
        "pipeline": sync.pipeline,
        "projectId": project_id,
        "status": sync.shown_status,
    }


def list_item_view(sync: SyncState) -> dict[str, Any]:
    """One item of List Syncs."""
    item: dict[str, Any] = {
        "id": sync.id,
        "integration": sync.integration,
        "pipeline": sync.pipeline,
        "status": sync.shown_status,
        "configurationName": sync.configuration_name,
        "credentialId": sync.credential_id,
        "dateCreated": iso(sync.date_created),
        "dateUpdated": iso(sync.date_updated),
    }
    if sync.reason is not None:
        item["reason"] = sync.reason
    return item


def summary_view(sync: SyncState) -> dict[str, Any]:
    """`summary` of Get Sync Status: counts of live records and the newest cursor."""
    active = sync.active_count()
    latest = sync.latest_seq()
    return {
        "totalRecords": active,
        "syncedRecordsCount": active,
        "lastSyncedAt": iso(sync.last_synced_at) if sync.last_synced_at is not None else None,
        "latestCursor": encode_cursor(latest) if latest is not None else None,
    }


def status_view(sync: SyncState, project_id: str) -> dict[str, Any]:
    """Answer of Get Sync Status."""
    view = enable_view(sync, project_id)
    view["configurationName"] = sync.configuration_name
    view["credentialId"] = sync.credential_id
    if sync.reason is not None:
        view["reason"] = sync.reason
    view["summary"] = summary_view(sync)
    return view
