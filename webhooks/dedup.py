"""The inbox dedup key of a webhook delivery: same event within one time bucket, same key."""

from __future__ import annotations

import hashlib
import json
import math

from webhooks.events import WebhookEvent

__all__ = ["DEDUP_WINDOW_SECONDS", "dedup_key"]

# Paragon documents no event id, so a delivery is identified by its content. Replays of one
# delivery land within minutes and collapse; the same content again after the bucket (the same
# file edited again) is a new event whose change must not be lost. See webhooks/README.md.
DEDUP_WINDOW_SECONDS = 300.0


def dedup_key(
    event: WebhookEvent, *, received_at: float, window_seconds: float = DEDUP_WINDOW_SECONDS
) -> str:
    """sha256 of (event type, sync id, user id, record id, canonical data/error) + ':' + bucket.

    received_at is in seconds since the epoch; the bucket is floor(received_at / window_seconds).
    """
    if window_seconds <= 0:
        raise ValueError(f"the dedup window must be positive, not {window_seconds} seconds")
    material = [
        event.event_type,
        event.sync_id,
        event.user_id,
        event.record_id,
        event.payload.get("data"),
        event.payload.get("error"),
    ]
    # A JSON array rather than joined strings, so no field can run into the next; sorted keys
    # and fixed separators make two equal objects hash the same whatever their key order.
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(canonical.encode("ascii")).hexdigest()
    return f"{digest}:{math.floor(received_at / window_seconds)}"
