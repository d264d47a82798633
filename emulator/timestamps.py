"""Time formats of the Sync API: ISO 8601 UTC with milliseconds and `Z`; epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(epoch_s: float) -> str:
    """`2025-07-07T19:00:00.000Z` for a POSIX time in seconds."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(epoch_s: float) -> int:
    """Milliseconds since the epoch, as in `paging.lastSeen`."""
    return int(epoch_s * 1000)
