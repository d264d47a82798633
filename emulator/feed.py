"""The records feed: opaque cursors and pages of a sync's records in order of their last change."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from emulator.errors import BadRequest
from emulator.state import SyncState
from emulator.timestamps import epoch_ms

_PREFIX = "cursor:"


def encode_cursor(seq: int) -> str:
    """The opaque cursor that resumes after sequence `seq` (base64 of `cursor:<seq>`)."""
    return base64.b64encode(f"{_PREFIX}{seq}".encode("ascii")).decode("ascii")


def decode_cursor(cursor: str, newest_seq: int) -> int:
    """The sequence a cursor points after; BadRequest if this emulator could not have issued it."""
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    number = text.removeprefix(_PREFIX) if text.startswith(_PREFIX) else ""
    if not number.isdigit() or int(number) > newest_seq:
        raise BadRequest(
            "Invalid cursor: pass back a `paging.cursor` returned by this API, "
            "or omit `cursor` to list from the start."
        )
    return int(number)


def parse_page_size(raw: str | None, default: int, maximum: int) -> int:
    """The requested page size; BadRequest unless it is an integer in [1, maximum]."""
    if raw is None or raw == "":
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= maximum:
        raise BadRequest(f"pageSize must be an integer from 1 to {maximum}; got {raw!r}.")
    return size


@dataclass(frozen=True)
class Page:
    """One page of the feed and its `paging` block."""

    data: list[dict[str, Any]]
    paging: dict[str, Any]


def records_page(sync: SyncState, after_seq: int | None, cursor: str | None, size: int) -> Page:
    """Up to `size` records with a sequence above `after_seq`, oldest change first.

    Because a change always takes a new, higher sequence, a listing that walks the cursor
    forward sees every record at least once and never the same version twice, even while
    scans change records between its pages.
    """
    records = list(sync.records.values())
    start = 0
    if after_seq is not None:
        # Records iterate in ascending seq; find the first one after the cursor.
        low, high = 0, len(records)
        while low < high:
            middle = (low + high) // 2
            if records[middle].seq <= after_seq:
                low = middle + 1
            else:
                high = middle
        start = low
    chunk = records[start : start + size]
    remaining = len(records) - start - len(chunk)
    if chunk:
        next_cursor: str | None = encode_cursor(chunk[-1].seq)
        last_seen: int | None = epoch_ms(chunk[-1].changed_at)
    else:
        next_cursor = cursor
        last_seen = epoch_ms(sync.last_synced_at) if sync.last_synced_at is not None else None
    paging = {
        "totalRecords": len(records),
        "totalActiveRecords": sync.active_count(),
        "remainingRecords": remaining,
        "cursor": next_cursor,
        "lastSeen": last_seen,
    }
    return Page([record.feed_item() for record in chunk], paging)
