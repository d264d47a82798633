"""Enables a sync for a user through the Sync API and records it in the state DB."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingest.pull import remember_sync
from resources.state import StateStore
from resources.sync_api import Sync, SyncApiClient


def enable_user_sync(
    client: SyncApiClient,
    state: StateStore,
    *,
    user_id: str,
    integration: str,
    pipeline: str,
    configuration: Mapping[str, Any] | None = None,
    configuration_name: str | None = None,
) -> Sync:
    """Enables (or finds, when already enabled) the sync and stores it; returns the sync."""
    sync = client.enable_sync(
        user_id,
        integration,
        pipeline,
        configuration=dict(configuration or {}),
        configuration_name=configuration_name,
    )
    remember_sync(state, user_id, sync)
    return sync
