"""StateStore: the one object the rest of syncrag uses to read and write the state DB."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy.engine import Engine

from resources.state import collections, inbox, ledger, ledger_reads, migrations, syncs
from resources.state.engine import create_state_engine, describe_url, parse_state_url, transaction
from resources.state.models import (
    EventStatus,
    InboxEvent,
    LedgerRecord,
    PageOutcome,
    RecordChange,
    RecordState,
    SyncRow,
    SyncStatus,
)
from resources.state.user_locks import UserLocks, WaitReport

__all__ = ["StateStore"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """Syncs, the records ledger, the webhook inbox and each user's indexed collection, in
    SQLite (WAL) or PostgreSQL.

    Safe to share between threads and to use from several processes at once. Every method is
    one transaction; apply_page() in particular writes a page's rows and its cursor together.
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        busy_timeout_seconds: float = 30.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """Connect lazily to url (SYNCRAG_STATE_URL); schema puts the tables in a PostgreSQL
        schema of that name. Does not migrate: call migrate(), or construct with open()."""
        self._url = parse_state_url(url)
        self._schema = schema
        self._engine = create_state_engine(
            self._url, schema=schema, busy_timeout_seconds=busy_timeout_seconds
        )
        self._clock = clock

    @classmethod
    def open(cls, url: str, *, schema: str | None = None, **options: Any) -> Self:
        """Construct and migrate to the latest schema."""
        store = cls(url, schema=schema, **options)
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
        return store

    def __repr__(self) -> str:
        schema = f", schema={self._schema!r}" if self._schema else ""
        return f"StateStore({describe_url(self._url)!r}{schema})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for health checks and fault-injection tests."""
        return self._engine

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    @contextmanager
    def user_lock(
        self, user_id: str, *, holder: str, on_wait: WaitReport | None = None
    ) -> Iterator[None]:
        """Holds the user's ingest lock for the block, waiting for it first (see user_locks.py):
        one ingest per user at a time, and a holder that dies frees it at once."""
        locks = UserLocks(self._engine, namespace=self._schema or "")
        with locks.hold(user_id, holder=holder, on_wait=on_wait):
            yield

    # -- schema -------------------------------------------------------------------------------

    def migrate(self, *, target: int | None = None) -> list[int]:
        """Apply pending migrations (up to target, default the latest); the versions applied."""
        return migrations.apply_migrations(
            self._engine, now=self._clock, schema=self._schema, target=target
        )

    def schema_version(self) -> int:
        """The highest migration applied; 0 before the first migrate()."""
        return migrations.current_version(self._engine)

    # -- syncs --------------------------------------------------------------------------------

    def upsert_sync(
        self,
        *,
        user_id: str,
        sync_id: str,
        integration: str,
        pipeline: str,
        status: SyncStatus | str,
        configuration_name: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record a sync, or refresh its description and status; its cursor is kept."""
        with transaction(self._engine, write=True) as conn:
            syncs.upsert_sync(
                conn,
                now=self._clock(),
                user_id=user_id,
                sync_id=sync_id,
                integration=integration,
                pipeline=pipeline,
                status=SyncStatus(status),
                configuration_name=configuration_name,
                reason=reason,
            )

    def set_sync_status(
        self, sync_id: str, status: SyncStatus | str, reason: str | None = None
    ) -> None:
        """Set a sync's status and reason (None clears it)."""
        with transaction(self._engine, write=True) as conn:
            syncs.update_sync(
                conn,
                sync_id,
                status=SyncStatus(status).value,
                reason=reason,
                updated_at=self._clock(),
            )

    def mark_initial_complete(self, sync_id: str) -> None:
        """Note that the sync's initial listing has been pulled to its end."""
        with transaction(self._engine, write=True) as conn:
            syncs.update_sync(conn, sync_id, initial_complete=True, updated_at=self._clock())

    def reset_cursor(self, sync_id: str) -> None:
        """Forget the sync's cursor, so the next pull lists everything again."""
        now = self._clock()
        with transaction(self._engine, write=True) as conn:
            syncs.update_sync(conn, sync_id, cursor=None, cursor_updated_at=now, updated_at=now)

    def get_sync(self, sync_id: str) -> SyncRow | None:
        """One sync, or None."""
        with transaction(self._engine, write=False) as conn:
            return syncs.get_sync(conn, sync_id)

    def list_syncs(self, user_id: str | None = None) -> list[SyncRow]:
        """Every sync, or one user's, ordered by (user_id, sync_id)."""
        with transaction(self._engine, write=False) as conn:
            return syncs.list_syncs(conn, user_id)

    def list_users(self) -> list[str]:
        """Users owning at least one sync, sorted."""
        with transaction(self._engine, write=False) as conn:
            return syncs.list_users(conn)

    # -- ledger -------------------------------------------------------------------------------

    def apply_page(
        self,
        *,
        user_id: str,
        sync_id: str,
        changes: Sequence[RecordChange],
        cursor: str | None,
    ) -> PageOutcome:
        """Upsert a pulled page into the ledger and move the cursor, in one transaction.

        Unseen -> 'pending' (new). Seen with another metadata_hash, or errored/deleted/purged
        and not deleted now -> 'pending' with attempts reset (updated). Same hash and pending
        or indexed -> untouched (unchanged). deleted=True: a live row -> 'deleted', an unseen
        record -> 'purged' (both counted deleted); an already gone row is unchanged. The last
        change of a record in the page wins. cursor=None leaves the cursor where it is.
        """
        with transaction(self._engine, write=True) as conn:
            return ledger.apply_page(
                conn,
                now=self._clock(),
                user_id=user_id,
                sync_id=sync_id,
                changes=changes,
                cursor=cursor,
            )

    def records_in_state(
        self,
        user_id: str,
        states: Sequence[RecordState],
        *,
        limit: int,
        after: tuple[str, str] | None = None,
    ) -> list[LedgerRecord]:
        """A batch of the user's records in states, ordered by (sync_id, record_id), strictly
        after the key `after` (pass the last batch's last `.key` to get the next batch)."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.records_in_state(conn, user_id, states, limit=limit, after=after)

    def record_pages(
        self, user_id: str, states: Sequence[RecordState], *, page_size: int = 1000
    ) -> Iterator[list[LedgerRecord]]:
        """The user's records in states, page by page in (sync_id, record_id) order. Each page
        is read on its own, so a record changing state between pages is seen at most once."""
        after: tuple[str, str] | None = None
        while rows := self.records_in_state(user_id, states, limit=page_size, after=after):
            yield rows
            after = rows[-1].key

    def mark_indexed(
        self,
        *,
        sync_id: str,
        record_id: str,
        metadata_hash: str,
        content_hash: str,
        chunk_count: int,
    ) -> bool:
        """'pending' -> 'indexed' if the row still has metadata_hash; False if a newer pull
        changed it meanwhile (it then stays pending for the next run)."""
        with transaction(self._engine, write=True) as conn:
            return ledger.mark_indexed(
                conn,
                now=self._clock(),
                sync_id=sync_id,
                record_id=record_id,
                metadata_hash=metadata_hash,
                content_hash=content_hash,
                chunk_count=chunk_count,
            )

    def mark_errored(
        self, *, sync_id: str, record_id: str, metadata_hash: str, reason: str
    ) -> bool:
        """'pending' -> 'errored' (attempts + 1) under the same guard as mark_indexed."""
        with transaction(self._engine, write=True) as conn:
            return ledger.mark_errored(
                conn,
                now=self._clock(),
                sync_id=sync_id,
                record_id=record_id,
                metadata_hash=metadata_hash,
                reason=reason,
            )

    def mark_purged(self, *, sync_id: str, record_id: str) -> bool:
        """'deleted' -> 'purged'; False from any other state."""
        with transaction(self._engine, write=True) as conn:
            return ledger.mark_purged(conn, now=self._clock(), sync_id=sync_id, record_id=record_id)

    def reopen_errored(self, user_id: str) -> int:
        """The user's errored records go back to pending, to be tried again by the next index
        (after a fix or a raised limit: an errored record is otherwise tried again only when
        its version changes); how many."""
        with transaction(self._engine, write=True) as conn:
            return ledger.reopen_errored(conn, now=self._clock(), user_id=user_id)

    def mark_deleted(self, *, sync_id: str, record_ids: Sequence[str]) -> int:
        """Tombstone confirmed deletions; how many rows were not already deleted or purged."""
        with transaction(self._engine, write=True) as conn:
            return ledger.mark_deleted(
                conn, now=self._clock(), sync_id=sync_id, record_ids=record_ids
            )

    def record_ids(self, sync_id: str, states: Sequence[RecordState]) -> set[str]:
        """The ids of the sync's records in any of states."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.record_ids(conn, sync_id, states)

    def get_record(self, sync_id: str, record_id: str) -> LedgerRecord | None:
        """One ledger row, or None."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.get_record(conn, sync_id, record_id)

    def counts_by_state(self, user_id: str | None = None) -> dict[str, dict[str, int]]:
        """sync_id -> state -> record count, every state of every known sync (zeros included)."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.counts_by_state(conn, user_id)

    def textless_indexed_counts(self, user_id: str | None = None) -> dict[str, int]:
        """sync_id -> 'indexed' records holding no chunk (folders), which no search finds."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.textless_indexed_counts(conn, user_id)

    def find_records(self, user_id: str, text: str, *, limit: int = 20) -> list[LedgerRecord]:
        """The user's records whose record id, external id or name is `text` (exactly, else in
        another case)."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.find_records(conn, user_id, text, limit)

    def records_named_like(self, user_id: str, text: str, *, limit: int = 10) -> list[LedgerRecord]:
        """The user's records whose name or external id contains `text`, in any case."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.records_named_like(conn, user_id, text, limit)

    def errored_records(self, user_id: str, limit: int = 20) -> list[LedgerRecord]:
        """The user's errored records, most recently failed first."""
        with transaction(self._engine, write=False) as conn:
            return ledger_reads.errored_records(conn, user_id, limit)

    # -- indexed collections ------------------------------------------------------------------

    def indexed_collection(self, user_id: str) -> str | None:
        """The vector collection the user's 'indexed' records are in; None if never recorded."""
        with transaction(self._engine, write=False) as conn:
            return collections.indexed_collection(conn, user_id)

    def move_to_collection(
        self, user_id: str, collection: str, *, expected: str | None, reindex: bool
    ) -> int | None:
        """Record that the user's ledger now refers to `collection`, if it still refers to
        `expected`; with `reindex`, the user's 'indexed' records become 'pending' in the same
        transaction. The number re-opened, or None if another process moved the user first."""
        with transaction(self._engine, write=True) as conn:
            return collections.move_to_collection(
                conn,
                now=self._clock(),
                user_id=user_id,
                collection=collection,
                expected=expected,
                reindex=reindex,
            )

    # -- inbox --------------------------------------------------------------------------------

    def insert_event(
        self,
        *,
        dedup_key: str,
        user_id: str,
        sync_id: str | None,
        event_type: str,
        record_id: str | None,
        payload: Mapping[str, Any],
        status: EventStatus | str = EventStatus.NEW,
    ) -> bool:
        """Store a webhook delivery, committed before returning; False if dedup_key was
        already stored (a replay), which leaves the stored row as it was."""
        with transaction(self._engine, write=True) as conn:
            return inbox.insert_event(
                conn,
                now=self._clock(),
                dedup_key=dedup_key,
                user_id=user_id,
                sync_id=sync_id,
                event_type=event_type,
                record_id=record_id,
                payload=payload,
                status=EventStatus(status),
            )

    def events_after(self, last_id: int, *, limit: int = 1000) -> list[InboxEvent]:
        """Every event with id > last_id, any status, in id order (ids only grow)."""
        with transaction(self._engine, write=False) as conn:
            return inbox.events_after(conn, last_id, limit=limit)

    def pending_deletion_hints(self, user_id: str) -> list[InboxEvent]:
        """The user's record_deleted events still 'new', in id order."""
        with transaction(self._engine, write=False) as conn:
            return inbox.pending_deletion_hints(conn, user_id)

    def events_for_record(
        self, user_id: str, sync_id: str, record_id: str, *, limit: int = 50
    ) -> list[InboxEvent]:
        """The user's latest events about one record and about its sync, in id order."""
        with transaction(self._engine, write=False) as conn:
            return inbox.events_for_record(conn, user_id, sync_id, record_id, limit=limit)

    def mark_events_processed(self, ids: Sequence[int]) -> None:
        """'new' -> 'processed'; ignored events stay ignored."""
        if not ids:
            return
        with transaction(self._engine, write=True) as conn:
            inbox.mark_events_processed(conn, now=self._clock(), ids=ids)

    def mark_events_rejected(self, ids: Sequence[int], reason: str) -> int:
        """'new' -> 'rejected' with the reason (e.g. the user has no sync); how many changed.
        Rejected events are never acted on, and other statuses stay as they are."""
        if not ids:
            return 0
        with transaction(self._engine, write=True) as conn:
            return inbox.mark_events_rejected(conn, now=self._clock(), ids=ids, reason=reason)

    def prune_events(self, older_than: timedelta, *, limit: int) -> int:
        """Delete up to limit events settled (processed, ignored, rejected) more than older_than
        ago, oldest first; how many. New events are kept however old. Ids are never reused, so
        a sensor cursor past a deleted event stays right."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        cutoff = self._clock() - older_than
        # Read first: an idle tick then costs no write transaction, which on SQLite would queue
        # behind the receiver and the runs.
        with transaction(self._engine, write=False) as conn:
            ids = inbox.settled_before(conn, cutoff, limit=limit)
        if not ids:
            return 0
        with transaction(self._engine, write=True) as conn:
            return inbox.delete_settled_events(conn, cutoff=cutoff, ids=ids)

    def count_events(self, status: EventStatus | str | None = None) -> int:
        """Events in the inbox, or those in one status."""
        with transaction(self._engine, write=False) as conn:
            return inbox.count_events(conn, None if status is None else EventStatus(status))
