"""One record's story, for the operator whose user asks "why can't I find my file?".

Where the record stands in the ledger (and why, when it errored), the webhook events about it and
its sync, the runs of its user that changed it, its points in the index (ids, heading paths,
readers), and whether those points are what the ledger says they should be. Dagster runs are
handed in as plain `RunInfo`s: nothing here imports Dagster.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from resources.state import InboxEvent, LedgerRecord, RecordState, StateStore, SyncRow
from resources.vectors import READERS_FIELD, VectorStore

MAX_EVENTS = 50
TEXT_EXCERPT_CHARS = 160


class RecordNotFound(LookupError):
    """No record of the user answers to the name; `similar` holds records with close names."""

    def __init__(self, message: str, similar: list[LedgerRecord]) -> None:
        super().__init__(message)
        self.similar = similar


class AmbiguousRecord(LookupError):
    """Several records of the user answer to the name; `candidates` lists them."""

    def __init__(self, message: str, candidates: list[LedgerRecord]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class RunInfo:
    """A run of the user's partition: its id, status, times and what started it."""

    run_id: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    trigger: str | None = None

    def covers(self, moment: datetime) -> bool:
        """Whether `moment` falls between the run's start and its end (or now, if running)."""
        if self.started_at is None or moment < self.started_at:
            return False
        return self.ended_at is None or moment <= self.ended_at


@dataclass(frozen=True)
class ChunkPoint:
    """One point of the record in the index."""

    point_id: str
    chunk_index: int | None
    heading_path: list[str]
    readers: list[str] | None  # None: unknown (no permission hint on the point)
    text: str


@dataclass(frozen=True)
class IndexVerdict:
    """Whether the record's points are what its ledger row says. `matches` is None while the
    ledger expects a change the next run makes (pending, deleted)."""

    matches: bool | None
    sentence: str


@dataclass
class RecordStory:
    """Everything syncrag knows about one record of one user."""

    user_id: str
    record: LedgerRecord
    sync: SyncRow | None
    summary: str
    events: list[InboxEvent] = field(default_factory=list)
    runs: list[RunInfo] = field(default_factory=list)
    runs_total: int = 0  # runs of the user's partition looked at; `runs` holds some of them
    first_pulled_by: str | None = None
    last_changed_by: str | None = None
    collection: str = ""
    ledger_collection: str | None = None
    chunks: list[ChunkPoint] = field(default_factory=list)
    verdict: IndexVerdict = field(default_factory=lambda: IndexVerdict(None, ""))

    def to_json(self) -> dict[str, Any]:
        """The story as JSON-ready values (times in ISO 8601)."""
        record = self.record
        return _jsonable(
            {
                "user_id": self.user_id,
                "summary": self.summary,
                "record": {
                    "sync_id": record.sync_id,
                    "record_id": record.record_id,
                    "external_id": record.external_id,
                    "name": record.name,
                    "mime_type": record.mime_type,
                    "url": record.url,
                    "state": str(record.state),
                    "error": record.error,
                    "attempts": record.attempts,
                    "chunk_count": record.chunk_count,
                    "source_updated_at": record.source_updated_at,
                    "first_seen_at": record.first_seen_at,
                    "updated_at": record.updated_at,
                },
                "sync": None
                if self.sync is None
                else {
                    "sync_id": self.sync.sync_id,
                    "integration": self.sync.integration,
                    "pipeline": self.sync.pipeline,
                    "status": str(self.sync.status),
                    "reason": self.sync.reason,
                },
                "events": [
                    {
                        "id": e.id,
                        "event_type": e.event_type,
                        "record_id": e.record_id,
                        "status": str(e.status),
                        "received_at": e.received_at,
                        "processed_at": e.processed_at,
                        "reason": e.reason,
                    }
                    for e in self.events
                ],
                "runs": [asdict(run) for run in self.runs],
                "runs_total": self.runs_total,
                "first_pulled_by": self.first_pulled_by,
                "last_changed_by": self.last_changed_by,
                "collection": self.collection,
                "ledger_collection": self.ledger_collection,
                "points": [asdict(chunk) for chunk in self.chunks],
                "index_matches_ledger": self.verdict.matches,
                "index_verdict": self.verdict.sentence,
            }
        )


def find_record(state: StateStore, user_id: str, text: str) -> LedgerRecord:
    """The one record of the user whose record id, external id or file name is `text`.

    Raises RecordNotFound (with records of similar names) or AmbiguousRecord (with the
    candidates) in one sentence.
    """
    found = state.find_records(user_id, text)
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousRecord(
            f"{len(found)} records of user {user_id!r} answer to {text!r}; "
            "name one by its record id.",
            found,
        )
    similar = state.records_named_like(user_id, text)
    hint = "; records with similar names follow" if similar else ""
    raise RecordNotFound(
        f"no record of user {user_id!r} has the record id, external id or name {text!r}{hint}.",
        similar,
    )


def explain_record(
    state: StateStore,
    store: VectorStore,
    record: LedgerRecord,
    runs: list[RunInfo],
    *,
    max_runs: int = 10,
) -> RecordStory:
    """The story of `record`. `runs` are the runs of its user's partition, newest first; the
    story keeps the latest `max_runs` of them and those that pulled or last changed the record."""
    user_id = record.user_id
    story = RecordStory(
        user_id=user_id,
        record=record,
        sync=state.get_sync(record.sync_id),
        summary="",
        events=state.events_for_record(user_id, record.sync_id, record.record_id, limit=MAX_EVENTS),
        collection=store.collection_name,
        ledger_collection=state.indexed_collection(user_id),
    )
    story.first_pulled_by = _run_covering(runs, record.first_seen_at)
    story.last_changed_by = _run_covering(runs, record.updated_at)
    touched = {story.first_pulled_by, story.last_changed_by}
    story.runs_total = len(runs)
    story.runs = [run for i, run in enumerate(runs) if i < max_runs or run.run_id in touched]
    with store.open() as index:
        points = index.points_for_records(user_id, [record.record_id]).get(record.record_id, {})
    story.chunks = sorted(
        (
            _chunk(point_id, payload)
            for point_id, payload in points.items()
            if payload.get("sync_id") in (None, record.sync_id)
        ),
        key=lambda c: (c.chunk_index is None, c.chunk_index or 0, c.point_id),
    )
    story.verdict = _verdict(story)
    story.summary = _summary(story)
    return story


def _run_covering(runs: list[RunInfo], moment: datetime) -> str | None:
    for run in runs:
        if run.covers(moment):
            return run.run_id
    return None


def _chunk(point_id: str, payload: dict[str, Any]) -> ChunkPoint:
    readers = payload.get(READERS_FIELD)
    index = payload.get("chunk_index")
    text = " ".join(str(payload.get("text", "")).split())
    if len(text) > TEXT_EXCERPT_CHARS:
        text = text[: TEXT_EXCERPT_CHARS - 1] + "…"
    return ChunkPoint(
        point_id=point_id,
        chunk_index=int(index) if isinstance(index, int) else None,
        heading_path=[str(h) for h in payload.get("heading_path") or []],
        readers=[str(r) for r in readers] if isinstance(readers, list) else None,
        text=text,
    )


def _verdict(story: RecordStory) -> IndexVerdict:
    record = story.record
    have = len(story.chunks)
    if story.ledger_collection not in (None, story.collection):
        return IndexVerdict(
            None,
            f"the ledger was indexed into {story.ledger_collection}, not the configured "
            f"{story.collection}: the next vector_index run re-indexes the user's records there.",
        )
    if record.state == RecordState.INDEXED:
        want = record.chunk_count or 0
        if have == want:
            return IndexVerdict(
                True, f"{_count(have, 'point')}, as many as the record's {_count(want, 'chunk')}."
            )
        return IndexVerdict(
            False,
            f"{_count(have, 'point')}, but the ledger says {_count(want, 'chunk')}: the index "
            "and the ledger "
            "disagree (the index_matches_ledger check fails for this user).",
        )
    if record.state in (RecordState.ERRORED, RecordState.PURGED):
        if have == 0:
            return IndexVerdict(True, f"no points, as {_a(record.state)} record should have.")
        return IndexVerdict(
            False,
            f"{_count(have, 'point')} left of {_a(record.state)} record, which should have none.",
        )
    if record.state == RecordState.PENDING:
        return IndexVerdict(
            None,
            f"{_count(have, 'point')} of its previous version; the next vector_index run brings "
            "them in "
            "step with the record.",
        )
    return IndexVerdict(
        None,
        f"{_count(have, 'point')}; the next vector_index run deletes them (the record is deleted).",
    )


def _summary(story: RecordStory) -> str:
    record = story.record
    name = record.name or record.external_id or record.record_id
    if record.state == RecordState.INDEXED:
        if not record.chunk_count:
            return f"{name} is indexed but holds no text (a folder): no search finds it."
        return (
            f"{name} is indexed in {_count(record.chunk_count, 'chunk')}: searches of the user "
            "find it."
        )
    if record.state == RecordState.ERRORED:
        return (
            f"{name} could not be indexed: {(record.error or 'no reason recorded').rstrip('.')}. "
            "It is tried again when it changes upstream."
        )
    if record.state == RecordState.PENDING:
        why = ""
        if story.sync is not None and story.sync.reason:
            why = f" Its sync is {story.sync.status}: {story.sync.reason}."
        return (
            f"{name} is waiting to be indexed: the next run of {story.user_id}'s partition "
            f"indexes it.{why}"
        )
    if record.state == RecordState.DELETED:
        return f"{name} was deleted upstream; the next vector_index run removes its points."
    return f"{name} was deleted upstream and removed from the index."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _a(state: RecordState) -> str:
    """The state with its article: 'an errored', 'a purged'."""
    return f"{'an' if str(state)[0] in 'aeiou' else 'a'} {state}"
