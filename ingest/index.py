"""Brings a user's points in line with the ledger: embeds only new chunk texts, deletes the rest.

Pending records are downloaded, extracted and chunked one by one in a reader thread that runs
ahead of the model (`Prefetcher`). Each write batch takes the records that are ready, up to
`record_batch_size` records or `MAX_BATCH_CHUNKS` chunks, so the model starts on the first record
and never waits for a whole batch to be read. The vector store is opened only around reads and
writes, never across embedding (an embedded store admits one process at a time).
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

from ingest.content import FILE_PIPELINES, ContentReader
from ingest.permissions import HintOutcome, ReaderHints
from ingest.points import PlannedPoint, plan_points
from ingest.prefetch import Prefetcher
from resources.embedding import Embedder
from resources.state import LedgerRecord, RecordState, StateStore
from resources.sync_api import (
    SyncApiAuthError,
    SyncApiClient,
    SyncApiError,
    SyncApiNotFound,
    SyncApiUnavailable,
)
from resources.text import (
    DocumentReader,
    ExtractionError,
    ExtractionLimits,
    ExtractionWorker,
    MarkdownChunker,
    WorkerUnavailableError,
)
from resources.vectors import StoredPoint, VectorStore

logger = logging.getLogger("syncrag.ingest")

MAX_REPORTED_ERRORS = 20
# A write batch closes at this many chunks even if more records are ready: bounds the memory
# a batch holds and how long a query waits for the store.
MAX_BATCH_CHUNKS = 512
# Records the reader may hold ready ahead of the model, and the text they may hold between them
# (past it the reader waits: 64 records of 20 MB of text each would otherwise sit in memory).
READ_AHEAD_RECORDS = 64
READ_AHEAD_TEXT_CHARS = 32 * 1024 * 1024


@dataclass
class IndexReport:
    """What one indexing pass over a user did; the numbers a person looks at after a run."""

    records_indexed: int = 0
    records_errored: int = 0
    records_deferred: int = 0
    # Why records were deferred (left pending for the next run): reason -> records.
    deferred_reasons: dict[str, int] = field(default_factory=dict)
    records_purged: int = 0
    records_superseded: int = 0
    chunks_total: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    points_upserted: int = 0
    points_deleted: int = 0
    payloads_refreshed: int = 0
    records_with_readers: int = 0
    readers_lookups_failed: int = 0
    seconds_reading: float = 0.0
    seconds_embedding: float = 0.0
    seconds_storing: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def add_error(self, record: LedgerRecord, reason: str) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((record.name or record.record_id, reason))


@dataclass(frozen=True)
class PreparedRecord:
    """A pending record after download, extraction and chunking (or the reason it failed)."""

    record: LedgerRecord
    points: list[PlannedPoint] | None = None
    content_hash: str | None = None
    error: str | None = None
    deferred: str | None = None
    hints: HintOutcome = HintOutcome.NOT_APPLICABLE


class Indexer:
    """Indexes a user's pending records and purges their tombstones."""

    def __init__(
        self,
        *,
        client: SyncApiClient,
        state: StateStore,
        chunker: MarkdownChunker,
        embedder: Embedder,
        store: VectorStore,
        record_batch_size: int = 32,
        limits: ExtractionLimits | None = None,
        documents: DocumentReader | None = None,
    ) -> None:
        """`documents` reads downloaded content; by default each `index_user` starts a bounded
        worker process (`ExtractionWorker` under `limits`) on its first document and ends it."""
        self._client = client
        self._limits = limits or ExtractionLimits()
        self._documents = documents
        self._state = state
        self._chunker = chunker
        self._embedder = embedder
        self._store = store
        self._batch_size = record_batch_size

    def index_user(self, user_id: str) -> IndexReport:
        report = IndexReport()
        self._purge_tombstones(user_id, report)
        pipelines = {s.sync_id: s.pipeline for s in self._state.list_syncs(user_id)}
        # Used by the reader thread only.
        hints = ReaderHints(self._client)
        worker: ExtractionWorker | None = None
        documents = self._documents
        if documents is None:
            documents = worker = ExtractionWorker(self._limits)
        reader = ContentReader(
            self._client, documents, max_download_bytes=self._limits.download_bytes
        )
        pending = (
            self._prepare_one(reader, record, pipelines.get(record.sync_id, "files"), hints)
            for batch in self._state.record_pages(
                user_id, [RecordState.PENDING], page_size=self._batch_size
            )
            for record in batch
        )
        ahead = Prefetcher(
            pending,
            capacity=READ_AHEAD_RECORDS,
            name="syncrag-read",
            max_weight_ahead=READ_AHEAD_TEXT_CHARS,
            weigh=_text_chars,
        )
        # The reader thread stops before the worker it reads with.
        with worker or nullcontext(), ahead:
            while True:
                started = time.perf_counter()
                prepared = ahead.take(
                    max_items=self._batch_size, max_weight=MAX_BATCH_CHUNKS, weight=_chunk_count
                )
                # Time the model waited for the reader: zero while reading keeps ahead.
                report.seconds_reading += time.perf_counter() - started
                if not prepared:
                    return report
                self._apply(user_id, prepared, report)

    def _prepare_one(
        self, reader: ContentReader, record: LedgerRecord, pipeline: str, hints: ReaderHints
    ) -> PreparedRecord:
        try:
            markdown = reader.markdown_for(record, pipeline)
        except ExtractionError as exc:
            return PreparedRecord(record, error=str(exc))
        except SyncApiNotFound:
            return PreparedRecord(record, error="the record is no longer available from the API")
        except SyncApiAuthError:
            raise  # a refused token is a setting to fix, not this record's fault: the run fails
        except SyncApiUnavailable as exc:
            # 429, 5xx, timeouts: leave it pending for the next run rather than erroring it.
            return PreparedRecord(record, deferred=exc.brief)
        except SyncApiError as exc:
            # Any other answer (400, 409, ...) is about this record; waiting will not change it.
            return PreparedRecord(record, error=str(exc))
        except WorkerUnavailableError:
            raise  # a broken installation, not this record: erroring every record would hide it
        except Exception as exc:
            logger.exception("unexpected failure reading record %s", record.record_id)
            return PreparedRecord(record, error=f"unexpected {type(exc).__name__}: {exc}")
        chunks = self._chunker.split(markdown, title=record.name) if markdown.strip() else []
        hint = hints.readers_of(record) if chunks and pipeline in FILE_PIPELINES else None
        return PreparedRecord(
            record,
            points=plan_points(
                record,
                chunks,
                readers=hint.readers if hint else None,
                lexical=self._store.lexical,
            ),
            content_hash=_sha256(markdown),
            hints=hint.outcome if hint else HintOutcome.NOT_APPLICABLE,
        )

    def _apply(self, user_id: str, prepared: list[PreparedRecord], report: IndexReport) -> None:
        readable = [p for p in prepared if p.points is not None]
        failed = [p for p in prepared if p.error is not None]
        touched = [p.record.record_id for p in readable + failed]

        started = time.perf_counter()
        with self._store.open() as index:
            existing = index.points_for_records(user_id, touched) if touched else {}
        report.seconds_storing += time.perf_counter() - started

        new: list[PlannedPoint] = []
        refresh: list[PlannedPoint] = []
        vanished: list[str] = []
        for item in readable:
            assert item.points is not None
            have = existing.get(item.record.record_id, {})
            wanted = {p.id for p in item.points}
            for point in item.points:
                if point.id not in have:
                    new.append(point)
                elif have[point.id] != point.payload:
                    refresh.append(point)
            vanished.extend(pid for pid in have if pid not in wanted)
            report.chunks_total += len(item.points)
        for item in failed:
            vanished.extend(existing.get(item.record.record_id, {}))

        vectors = self._embed_unique([p.text for p in new], report)
        report.chunks_reused += report_reused(readable, len(new))

        started = time.perf_counter()
        with self._store.open() as index:
            if refresh:
                old = {p.id: p for p in index.retrieve(user_id, [p.id for p in refresh])}
                index.upsert(
                    user_id,
                    [
                        StoredPoint(
                            id=p.id, vector=old[p.id].vector, payload=p.payload, sparse=p.sparse
                        )
                        for p in refresh
                        if old.get(p.id) is not None and old[p.id].vector is not None
                    ],
                )
            if new:
                index.upsert(
                    user_id,
                    [
                        StoredPoint(
                            id=p.id, vector=vectors[p.text], payload=p.payload, sparse=p.sparse
                        )
                        for p in new
                    ],
                )
            if vanished:
                index.delete_points(user_id, vanished)
        report.seconds_storing += time.perf_counter() - started
        report.points_upserted += len(new) + len(refresh)
        report.payloads_refreshed += len(refresh)
        report.points_deleted += len(vanished)

        self._record_outcomes(prepared, report)

    def _embed_unique(self, texts: list[str], report: IndexReport) -> dict[str, list[float]]:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return {}
        started = time.perf_counter()
        vectors = self._embedder.embed(unique)
        report.seconds_embedding += time.perf_counter() - started
        report.chunks_embedded += len(unique)
        return dict(zip(unique, vectors, strict=True))

    def _record_outcomes(self, prepared: list[PreparedRecord], report: IndexReport) -> None:
        for item in prepared:
            record = item.record
            if item.deferred is not None:
                report.records_deferred += 1
                reasons = report.deferred_reasons
                reasons[item.deferred] = reasons.get(item.deferred, 0) + 1
                continue
            if item.error is not None:
                changed = self._state.mark_errored(
                    sync_id=record.sync_id,
                    record_id=record.record_id,
                    metadata_hash=record.metadata_hash,
                    reason=item.error,
                )
                report.records_errored += 1
                report.add_error(record, item.error)
            else:
                assert item.points is not None and item.content_hash is not None
                changed = self._state.mark_indexed(
                    sync_id=record.sync_id,
                    record_id=record.record_id,
                    metadata_hash=record.metadata_hash,
                    content_hash=item.content_hash,
                    chunk_count=len(item.points),
                )
                report.records_indexed += 1
                if item.hints is HintOutcome.READERS:
                    report.records_with_readers += 1
                elif item.hints is HintOutcome.FAILED:
                    report.readers_lookups_failed += 1
            if not changed:
                # A newer version arrived while this one was being indexed; it stays pending.
                report.records_superseded += 1

    def _purge_tombstones(self, user_id: str, report: IndexReport) -> None:
        for batch in self._state.record_pages(
            user_id, [RecordState.DELETED], page_size=self._batch_size
        ):
            started = time.perf_counter()
            with self._store.open() as index:
                for record in batch:
                    report.points_deleted += index.delete_record(user_id, record.record_id)
            report.seconds_storing += time.perf_counter() - started
            for record in batch:
                if self._state.mark_purged(sync_id=record.sync_id, record_id=record.record_id):
                    report.records_purged += 1


def report_reused(readable: list[PreparedRecord], new_count: int) -> int:
    """Chunks of the batch whose points already existed (embeddings reused, not recomputed)."""
    return sum(len(p.points or []) for p in readable) - new_count


def _text_chars(item: PreparedRecord) -> int:
    return sum(len(p.text) for p in item.points or ())


def _chunk_count(item: PreparedRecord) -> int:
    return len(item.points or ())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
