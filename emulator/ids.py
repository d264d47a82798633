"""Deterministic (UUIDv5) ids, so that delete + re-enable and restarts give the same ids."""

from __future__ import annotations

import uuid

# Fixed namespace of this emulator; changing it would change every id ever handed out.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sync.useparagon.com/syncrag-emulator")


def sync_id(
    project_id: str, user_id: str, integration: str, pipeline: str, configuration_name: str | None
) -> str:
    """Id of the sync of one user's integration pipeline under one configuration name."""
    name = "\x1f".join(
        (project_id, user_id, integration, pipeline, configuration_name or "default")
    )
    return str(uuid.uuid5(_NAMESPACE, name))


def record_id(sync: str, external_id: str) -> str:
    """Id of the synced record `external_id` within sync `sync`."""
    return str(uuid.uuid5(uuid.UUID(sync), external_id))


def credential_id(project_id: str, user_id: str, integration: str) -> str:
    """The default credential of a user's integration account (Paragon's 'oldest active')."""
    name = "\x1f".join(("credential", project_id, user_id, integration))
    return str(uuid.uuid5(_NAMESPACE, name))
