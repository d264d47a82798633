"""Full reconcile: re-lists a sync from the start and tombstones what a complete listing lacks.

The safety net for deletions whose webhooks never came. It deletes nothing when the listing ended
abnormally, and refuses a deletion larger than a configured share of the sync's records (design
invariant 6): a half-broken listing must never empty a user's index.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.records import change_from_record
from resources.state import RecordState, StateStore, SyncRow
from resources.sync_api import (
    RecordPage,
    SyncApiBadRequest,
    SyncApiClient,
    SyncApiNotFound,
    SyncApiProtocolError,
    SyncApiUnavailable,
)

# How a listing can end abnormally on the API's side. A refused token (SyncApiAuthError) is not
# among them: it is a setting to fix, and fails the run.
_LISTING_BROKE = (SyncApiUnavailable, SyncApiNotFound, SyncApiBadRequest, SyncApiProtocolError)

_LIVE_STATES = (RecordState.PENDING, RecordState.INDEXED, RecordState.ERRORED)


@dataclass
class ReconcileReport:
    """What one sync's reconcile found and did."""

    sync_id: str
    listed: int = 0
    known: int = 0
    absent: int = 0
    tombstoned: int = 0
    updated: int = 0
    refused_reason: str | None = None
    # False when the listing ended abnormally (an error, a cut, fewer records than announced).
    listing_complete: bool = True


def reconcile_sync(
    client: SyncApiClient,
    state: StateStore,
    sync: SyncRow,
    *,
    max_delete_share: float = 0.5,
    page_size: int = 1000,
) -> ReconcileReport:
    """Re-lists one sync and tombstones the records a complete listing no longer has."""
    report = ReconcileReport(sync_id=sync.sync_id)
    seen: set[str] = set()
    last_page: RecordPage | None = None
    # What the first page announced (its records plus those remaining) against what came: a
    # feed that stops early while claiming to be caught up is told apart from a complete one.
    announced: int | None = None
    delivered = 0
    try:
        for page in client.iter_record_pages(
            sync.user_id, sync.sync_id, cursor=None, page_size=page_size
        ):
            if announced is None and page.remaining_records is not None:
                announced = len(page.records) + page.remaining_records
            delivered += len(page.records)
            # The re-listing also catches missed updates; it leaves the incremental cursor alone.
            outcome = state.apply_page(
                user_id=sync.user_id,
                sync_id=sync.sync_id,
                changes=[change_from_record(r) for r in page.records],
                cursor=None,
            )
            report.updated += outcome.new + outcome.updated
            seen.update(r.id for r in page.records if not r.deleted)
            last_page = page
    except _LISTING_BROKE as exc:
        report.refused_reason = f"the listing ended abnormally ({exc}); nothing was deleted"
        report.listing_complete = False
        return report
    if last_page is not None and (last_page.remaining_records or 0) > 0:
        report.refused_reason = (
            f"the listing stopped with {last_page.remaining_records} records still to come; "
            "nothing was deleted"
        )
        report.listing_complete = False
        return report
    if announced is not None and delivered < announced:
        report.refused_reason = (
            f"the listing ended after {delivered} of the {announced} records it announced; "
            "nothing was deleted"
        )
        report.listing_complete = False
        return report

    report.listed = len(seen)
    known = state.record_ids(sync.sync_id, _LIVE_STATES)
    report.known = len(known)
    absent = sorted(known - seen)
    report.absent = len(absent)
    if not absent:
        return report
    share = len(absent) / len(known)
    if share > max_delete_share:
        report.refused_reason = (
            f"the listing lacks {len(absent)} of {len(known)} records ({share:.0%}), more than "
            f"the allowed {max_delete_share:.0%}; nothing was deleted (raise "
            "SYNCRAG_RECONCILE_MAX_DELETE_SHARE if this is intended)"
        )
        return report
    report.tombstoned = state.mark_deleted(sync_id=sync.sync_id, record_ids=absent)
    return report
