"""apply_page and the mark_* transitions against a plain-Python model of the ledger's rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources.state import PageOutcome, RecordState, StateStore
from tests.test_state_support import BACKENDS, add_sync, change, open_backend

RECORD_IDS = ["a", "b", "c"]
HASHES = ["h1", "h2"]
LIVE = (RecordState.PENDING, RecordState.INDEXED, RecordState.ERRORED)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    with open_backend(request.param, tmp_path) as backend, backend.open() as opened:
        yield opened


@dataclass
class Model:
    """The ledger rules of the brief, written as directly as possible."""

    rows: dict[str, tuple[str, RecordState]] = field(default_factory=dict)

    def apply_page(self, page: list[tuple[str, str, bool]]) -> PageOutcome:
        counts = {"new": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        latest = {record_id: (h, deleted) for record_id, h, deleted in page}
        for record_id, (h, deleted) in latest.items():
            row = self.rows.get(record_id)
            if row is None:
                self.rows[record_id] = (h, RecordState.PURGED if deleted else RecordState.PENDING)
                counts["deleted" if deleted else "new"] += 1
            elif deleted:
                if row[1] in LIVE:
                    self.rows[record_id] = (row[0], RecordState.DELETED)
                    counts["deleted"] += 1
                else:
                    counts["unchanged"] += 1
            elif row[0] != h or row[1] in (RecordState.DELETED, RecordState.PURGED):
                # A new version, or a gone record back. An errored one with its version stays
                # errored: a full reconcile lists it again without it having changed.
                self.rows[record_id] = (h, RecordState.PENDING)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        return PageOutcome(**counts)

    def version(self, record_id: str, *, stale: bool) -> str:
        current = self.rows.get(record_id, (HASHES[0], None))[0]
        return next(h for h in HASHES if h != current) if stale else current

    def finish(self, record_id: str, h: str, state: RecordState) -> bool:
        if self.rows.get(record_id) != (h, RecordState.PENDING):
            return False
        self.rows[record_id] = (h, state)
        return True

    def purge(self, record_id: str) -> bool:
        row = self.rows.get(record_id)
        if row is None or row[1] is not RecordState.DELETED:
            return False
        self.rows[record_id] = (row[0], RecordState.PURGED)
        return True

    def confirm_deleted(self, record_ids: list[str]) -> int:
        changed = 0
        for record_id in set(record_ids):
            row = self.rows.get(record_id)
            if row is not None and row[1] in LIVE:
                self.rows[record_id] = (row[0], RecordState.DELETED)
                changed += 1
        return changed


def draw_operation(data: st.DataObject, model: Model) -> tuple:
    """One operation, drawn so that it usually has something to act on."""
    kind = data.draw(st.sampled_from(["page", "page", "indexed", "errored", "purge", "confirm"]))
    if kind == "page":
        # Records that are not indexed come back more often (that is where the rules differ);
        # changed=False re-sends the version the ledger holds, as most re-pulls do.
        unsettled = sorted(r for r, (_, s) in model.rows.items() if s is not RecordState.INDEXED)
        drawn = data.draw(
            st.lists(
                st.tuples(
                    st.sampled_from(RECORD_IDS + unsettled * 2), st.booleans(), st.booleans()
                ),
                min_size=1,
                max_size=4,
            )
        )
        return ("page", [(r, model.version(r, stale=changed), d) for r, changed, d in drawn])
    wanted = {"indexed": RecordState.PENDING, "errored": RecordState.PENDING}.get(
        kind, RecordState.DELETED
    )
    candidates = [r for r, (_, state) in model.rows.items() if state is wanted] or RECORD_IDS
    record_id = data.draw(st.sampled_from(sorted(candidates)))
    if kind == "confirm":
        return (
            "confirm",
            [record_id, *data.draw(st.lists(st.sampled_from(RECORD_IDS), max_size=2))],
        )
    if kind == "purge":
        return ("purge", record_id)
    # A stale hash is what an indexer holds when a newer pull overtook it.
    return (kind, record_id, model.version(record_id, stale=data.draw(st.booleans())))


def step(store: StateStore, sync_id: str, model: Model, operation: tuple) -> None:
    """Apply one operation to the store and the model; they must answer alike."""
    match operation:
        case ("page", page):
            changes = [change(r, h, deleted=d) for r, h, d in page]
            outcome = store.apply_page(user_id="u1", sync_id=sync_id, changes=changes, cursor=None)
            assert outcome == model.apply_page(page)
        case ("indexed", record_id, h):
            done = store.mark_indexed(
                sync_id=sync_id,
                record_id=record_id,
                metadata_hash=h,
                content_hash="c",
                chunk_count=1,
            )
            assert done == model.finish(record_id, h, RecordState.INDEXED)
        case ("errored", record_id, h):
            done = store.mark_errored(
                sync_id=sync_id, record_id=record_id, metadata_hash=h, reason="boom"
            )
            assert done == model.finish(record_id, h, RecordState.ERRORED)
        case ("purge", record_id):
            assert store.mark_purged(sync_id=sync_id, record_id=record_id) == model.purge(record_id)
        case ("confirm", record_ids):
            changed = store.mark_deleted(sync_id=sync_id, record_ids=record_ids)
            assert changed == model.confirm_deleted(record_ids)
        case _:
            raise AssertionError(f"unknown operation {operation!r}")


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    # Each example works on a sync of its own, so sharing the fixture's store is sound.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_ledger_follows_the_model(store: StateStore, data: st.DataObject) -> None:
    sync_id = f"s-{uuid.uuid4().hex}"
    add_sync(store, sync_id)
    model = Model()
    for _ in range(data.draw(st.integers(min_value=6, max_value=16), label="steps")):
        step(store, sync_id, model, draw_operation(data, model))
    for state in RecordState:
        expected = {r for r, (_, s) in model.rows.items() if s is state}
        assert store.record_ids(sync_id, [state]) == expected
    for record_id, (h, _) in model.rows.items():
        row = store.get_record(sync_id, record_id)
        assert row is not None and row.metadata_hash == h
