"""The reads behind `syncrag explain` and `syncrag status`: records by id, external id or name,
the events about one record, and indexed records that hold no chunk (folders)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from resources.state import StateStore
from tests.test_state_support import BACKENDS, Backend, TickingClock, add_sync, change, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def store(backend: Backend) -> Iterator[StateStore]:
    with backend.open(clock=TickingClock()) as opened:
        add_sync(opened, "s1", "u1")
        add_sync(opened, "s2", "u2")
        opened.apply_page(
            user_id="u1", sync_id="s1", changes=[change("r1"), change("r2")], cursor="c1"
        )
        opened.apply_page(user_id="u2", sync_id="s2", changes=[change("r9")], cursor="c1")
        yield opened


def _ids(records: list) -> list[str]:
    return [r.record_id for r in records]


def test_a_record_is_found_by_id_external_id_or_name_and_only_the_users_own(
    store: StateStore,
) -> None:
    assert _ids(store.find_records("u1", "r1")) == ["r1"]
    assert _ids(store.find_records("u1", "ext-r2")) == ["r2"]
    assert _ids(store.find_records("u1", "r2.txt")) == ["r2"]
    assert _ids(store.find_records("u1", "R2.TXT")) == ["r2"]
    assert store.find_records("u1", "r9") == []
    assert store.find_records("u1", "r") == []


def test_names_like_a_text_match_parts_in_any_case_and_wildcards_literally(
    store: StateStore,
) -> None:
    assert _ids(store.records_named_like("u1", "R")) == ["r1", "r2"]
    assert store.records_named_like("u1", "%") == []
    assert store.records_named_like("u1", "_1") == []
    assert _ids(store.records_named_like("u2", "txt")) == ["r9"]


def test_events_of_a_record_are_its_own_and_its_syncs_in_id_order(store: StateStore) -> None:
    for key, user, sync, event, record in [
        ("a", "u1", "s1", "sync_complete", None),
        ("b", "u1", "s1", "record_updated", "r1"),
        ("c", "u1", "s1", "record_updated", "r2"),
        ("d", "u2", "s2", "record_updated", "r1"),
        ("e", "u1", "s1", "record_deleted", "r1"),
    ]:
        store.insert_event(
            dedup_key=key,
            user_id=user,
            sync_id=sync,
            event_type=event,
            record_id=record,
            payload={"event": event},
        )

    events = store.events_for_record("u1", "s1", "r1")

    assert [e.dedup_key for e in events] == ["a", "b", "e"]
    assert [e.dedup_key for e in store.events_for_record("u1", "s1", "r1", limit=2)] == ["b", "e"]


def test_indexed_records_without_chunks_are_counted_apart(store: StateStore) -> None:
    store.mark_indexed(
        sync_id="s1", record_id="r1", metadata_hash="h1", content_hash="c", chunk_count=0
    )
    store.mark_indexed(
        sync_id="s1", record_id="r2", metadata_hash="h1", content_hash="c", chunk_count=3
    )

    assert store.textless_indexed_counts("u1") == {"s1": 1}
    assert store.textless_indexed_counts("u2") == {}
    assert store.textless_indexed_counts() == {"s1": 1}
