"""Pulls a user's changed records from the Sync API into the ledger, one transaction per page."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.records import change_from_record
from resources.state import InboxEvent, RecordState, StateStore, SyncRow, SyncStatus
from resources.sync_api import RecordPage, Sync, SyncApiClient, SyncApiNotFound

logger = logging.getLogger("syncrag.ingest")

# Syncs in these states serve no records worth pulling yet (or any more).
_NOT_PULLABLE = {SyncStatus.INITIALIZING, SyncStatus.DISABLED, SyncStatus.ERRORED}
_LIVE_RECORD_STATES = (RecordState.PENDING, RecordState.INDEXED, RecordState.ERRORED)
_DELETED_REASON = (
    "the sync was deleted at the Sync API and its records removed; enable it again to resume"
)


@dataclass
class SyncPullReport:
    """What one sync's pull did."""

    sync_id: str
    integration: str
    pipeline: str
    status: str
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    cursor: str | None = None
    skipped_reason: str | None = None
    # Records the feed's own counts say the listing should have delivered but did not.
    records_missing: int = 0
    # Why the listing may be incomplete (None: it ended as the feed said it would).
    incomplete_reason: str | None = None


@dataclass
class PullReport:
    """What pulling all of a user's syncs did."""

    user_id: str
    syncs: list[SyncPullReport] = field(default_factory=list)
    deletion_hints_confirmed: int = 0
    deletion_hints_rejected: int = 0

    def total(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.syncs)

    @property
    def listing_complete(self) -> bool:
        """False when any sync's listing may have left records out."""
        return all(s.incomplete_reason is None for s in self.syncs)


def refresh_syncs(client: SyncApiClient, state: StateStore, user_id: str) -> list[SyncRow]:
    """Records the user's syncs as the API lists them now (status, reason) and returns them.

    A known sync that the API no longer lists and answers 404 for was deleted with its records
    (SPEC.md section 2): it is disabled here and its records tombstoned, so their points go.
    """
    listed = client.list_syncs(user_id)
    for sync in listed:
        remember_sync(state, user_id, sync)
    listed_ids = {sync.id for sync in listed}
    for row in state.list_syncs(user_id):
        if row.sync_id not in listed_ids:
            _forget_if_deleted(client, state, row)
    return state.list_syncs(user_id)


def _forget_if_deleted(client: SyncApiClient, state: StateStore, row: SyncRow) -> None:
    try:
        sync = client.get_sync(row.user_id, row.sync_id)
    except SyncApiNotFound:
        live = state.record_ids(row.sync_id, _LIVE_RECORD_STATES)
        if live:
            state.mark_deleted(sync_id=row.sync_id, record_ids=sorted(live))
        if row.status is not SyncStatus.DISABLED or row.reason != _DELETED_REASON:
            logger.warning(
                "sync %s of user %s was deleted at the Sync API; removing its %d records",
                row.sync_id,
                row.user_id,
                len(live),
            )
            state.set_sync_status(row.sync_id, SyncStatus.DISABLED, _DELETED_REASON)
        return
    remember_sync(state, row.user_id, sync)


def remember_sync(state: StateStore, user_id: str, sync: Sync) -> None:
    """Stores one sync's identity and status as the API reports it."""
    known = state.get_sync(sync.id)
    state.upsert_sync(
        user_id=user_id,
        sync_id=sync.id,
        integration=sync.integration,
        pipeline=sync.pipeline,
        status=sync.status.value,
        configuration_name=sync.configuration_name or (known.configuration_name if known else None),
        reason=sync.reason,
    )


def pull_user(
    client: SyncApiClient,
    state: StateStore,
    user_id: str,
    *,
    page_size: int = 100,
) -> PullReport:
    """Pulls every sync of a user after its saved cursor, then confirms pending deletion hints."""
    report = PullReport(user_id=user_id)
    for sync in refresh_syncs(client, state, user_id):
        report.syncs.append(pull_sync(client, state, sync, page_size=page_size))
    confirmed, rejected = confirm_deletion_hints(client, state, user_id)
    report.deletion_hints_confirmed = confirmed
    report.deletion_hints_rejected = rejected
    return report


def pull_sync(
    client: SyncApiClient, state: StateStore, sync: SyncRow, *, page_size: int = 100
) -> SyncPullReport:
    """Pulls one sync's pages after its cursor; each page's rows and cursor commit together.

    Every page is checked against the feed's own counts (`RecordPage.position`). From a page
    that sits further along than the records before it account for, records were skipped: its
    rows and those after it are still applied (they are real), but the cursor stays at the last
    page before the gap, so that the next run reads past the gap again, and the report says the
    listing may be incomplete.
    """
    report = SyncPullReport(
        sync_id=sync.sync_id,
        integration=sync.integration,
        pipeline=sync.pipeline,
        status=str(sync.status),
        cursor=sync.cursor,
    )
    if sync.status in _NOT_PULLABLE:
        report.skipped_reason = _skip_reason(sync.status, sync.reason)
        return report
    # How many records the feed may hold before the first page: none from the start; after a
    # saved cursor at most the records the ledger has (each was delivered before the cursor
    # moved past it).
    bound: int | None = 0 if sync.cursor is None else _ledger_rows(state, sync)
    last: RecordPage | None = None
    pages = client.iter_record_pages(
        sync.user_id, sync.sync_id, cursor=sync.cursor, page_size=page_size
    )
    for page in pages:
        position = page.position
        if bound is not None and position is not None and position > bound:
            report.records_missing += position - bound
        bound = None if position is None else position + len(page.records)
        holding = report.records_missing > 0
        changes = [change_from_record(r) for r in page.records]
        outcome = state.apply_page(
            user_id=sync.user_id,
            sync_id=sync.sync_id,
            changes=changes,
            cursor=None if holding else page.cursor,
        )
        report.pages += 1
        report.new += outcome.new
        report.updated += outcome.updated
        report.unchanged += outcome.unchanged
        report.deleted += outcome.deleted
        if page.cursor is not None and not holding:
            report.cursor = page.cursor
        last = page
    report.incomplete_reason = _incomplete_reason(report, last)
    if report.incomplete_reason:
        logger.warning(
            "sync %s of user %s: %s", sync.sync_id, sync.user_id, report.incomplete_reason
        )
    return report


def _ledger_rows(state: StateStore, sync: SyncRow) -> int:
    return sum(state.counts_by_state(sync.user_id).get(sync.sync_id, {}).values())


def _incomplete_reason(report: SyncPullReport, last: RecordPage | None) -> str | None:
    if report.records_missing:
        return (
            f"the listing may be incomplete: its pages held {report.records_missing} "
            f"record{'s' if report.records_missing != 1 else ''} fewer than their totalRecords "
            "implies; the cursor stays before the gap, so the next run reads past it again"
        )
    if last is not None and not last.caught_up:
        remaining = last.remaining_records
        return (
            "the listing may be incomplete: the feed stopped giving a usable cursor with "
            f"{'more' if remaining is None else remaining} records still to come"
        )
    return None


def confirm_deletion_hints(
    client: SyncApiClient, state: StateStore, user_id: str
) -> tuple[int, int]:
    """Acts on `record_deleted` webhooks only where the API confirms the record is gone.

    Webhooks are hints, never authority (design invariant 4): a forged or stale hint for a record
    that still exists deletes nothing.
    """
    hints = state.pending_deletion_hints(user_id)
    own_syncs = {s.sync_id for s in state.list_syncs(user_id)}
    confirmed = rejected = 0
    for sync_id, events in _by_sync(hints).items():
        if sync_id not in own_syncs:
            # The API answers 404 for another user's sync, which must not read as "the record
            # is gone": a hint naming a sync this user does not own deletes nothing.
            logger.warning(
                "ignored %d record_deleted hints of user %s for sync %s, not one of theirs",
                len(events),
                user_id,
                sync_id,
            )
            rejected += len(events)
            continue
        gone = [
            e.record_id for e in events if e.record_id and _is_gone(client, user_id, sync_id, e)
        ]
        confirmed += state.mark_deleted(sync_id=sync_id, record_ids=gone) if gone else 0
        rejected += len(events) - len(gone)
    if hints:
        state.mark_events_processed([e.id for e in hints])
    return confirmed, rejected


def _is_gone(client: SyncApiClient, user_id: str, sync_id: str, event: InboxEvent) -> bool:
    assert event.record_id is not None
    try:
        record = client.get_record(user_id, sync_id, event.record_id)
    except SyncApiNotFound:
        return True
    if record.deleted:
        return True
    logger.warning(
        "ignored a record_deleted hint for record %s of sync %s: the API still has it",
        event.record_id,
        sync_id,
    )
    return False


def _by_sync(events: Iterable[InboxEvent]) -> dict[str, list[InboxEvent]]:
    grouped: dict[str, list[InboxEvent]] = {}
    for event in events:
        if event.sync_id:
            grouped.setdefault(event.sync_id, []).append(event)
    return grouped


def _skip_reason(status: SyncStatus, reason: str | None) -> str:
    if status is SyncStatus.INITIALIZING:
        return "initial sync still running; records are pulled once it has started"
    if status is SyncStatus.DISABLED:
        return reason if reason == _DELETED_REASON else "sync is disabled; re-enable it to resume"
    return f"sync errored: {reason or 'no reason given'}; fix the cause and re-enable it"
