"""pull_sync against a fake feed: pages are checked against the feed's own counts, and a listing
that skipped records keeps its rows but not its cursor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pull import pull_sync
from resources.state import RecordState, StateStore, SyncRow
from tests.test_sync_api_support import FakeParagon, make_client, reply

USER = "alice"
SYNC_ID = "s1"
RECORDS_PATH = f"/api/syncs/{SYNC_ID}/records"


def record(n: int) -> dict[str, object]:
    return {"id": f"rec-{n}", "externalId": f"ext-{n}", "name": f"f{n}.txt", "updatedAt": "t"}


def page(ids: list[int], *, total: int, remaining: int, cursor: str | None) -> dict[str, object]:
    paging: dict[str, object] = {"totalRecords": total, "remainingRecords": remaining}
    if cursor is not None:
        paging["cursor"] = cursor
    return {"data": [record(n) for n in ids], "paging": paging}


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    store.upsert_sync(
        user_id=USER, sync_id=SYNC_ID, integration="googledrive", pipeline="files", status="IDLE"
    )
    try:
        yield store
    finally:
        store.close()


def the_sync(state: StateStore) -> SyncRow:
    sync = state.get_sync(SYNC_ID)
    assert sync is not None
    return sync


def pull(state: StateStore, fake: FakeParagon) -> tuple[int, str | None]:
    """(records the listing missed, the saved cursor) after one pull of the fake feed."""
    with make_client(fake) as client:
        report = pull_sync(client, state, the_sync(state), page_size=2)
    assert (report.records_missing > 0) == (report.incomplete_reason is not None)
    return report.records_missing, the_sync(state).cursor


def test_a_complete_listing_advances_the_cursor_page_by_page(state: StateStore) -> None:
    fake = FakeParagon().on(
        "GET",
        RECORDS_PATH,
        reply(body=page([1, 2], total=3, remaining=1, cursor="c2")),
        reply(body=page([3], total=3, remaining=0, cursor="c3")),
    )

    assert pull(state, fake) == (0, "c3")


def test_a_page_that_skips_records_keeps_its_rows_but_holds_the_cursor_before_the_gap(
    state: StateStore,
) -> None:
    # Six records; the second page jumps from the 2nd to the 6th: records 3-5 never came.
    fake = FakeParagon().on(
        "GET",
        RECORDS_PATH,
        reply(body=page([1, 2], total=6, remaining=4, cursor="c2")),
        reply(body=page([6], total=6, remaining=0, cursor="c6")),
    )

    missing, cursor = pull(state, fake)

    assert missing == 3
    assert cursor == "c2"  # the next run reads past the gap again
    assert state.record_ids(SYNC_ID, list(RecordState)) == {"rec-1", "rec-2", "rec-6"}
    assert fake.requests[1].url.params["cursor"] == "c2"

    # The next run starts after c2 and gets everything: the cursor moves on.
    fake.on(
        "GET",
        RECORDS_PATH,
        reply(body=page([3, 4], total=6, remaining=2, cursor="c4")),
        reply(body=page([5, 6], total=6, remaining=0, cursor="c6")),
    )
    assert pull(state, fake) == (0, "c6")


def test_a_first_page_after_the_cursor_is_checked_against_the_ledger(state: StateStore) -> None:
    fake = FakeParagon().on(
        "GET", RECORDS_PATH, reply(body=page([1, 2], total=2, remaining=0, cursor="c2"))
    )
    assert pull(state, fake) == (0, "c2")

    # Five records now, but the page after c2 is empty and claims nothing remains.
    fake.on("GET", RECORDS_PATH, reply(body=page([], total=5, remaining=0, cursor="c2")))

    assert pull(state, fake) == (3, "c2")


def test_records_moved_or_added_while_listing_are_not_taken_for_a_gap(state: StateStore) -> None:
    # Between the pages, record 1 changed (moved after the cursor) and record 9 was added.
    fake = FakeParagon().on(
        "GET",
        RECORDS_PATH,
        reply(body=page([1, 2], total=4, remaining=2, cursor="c2")),
        reply(body=page([3, 4], total=5, remaining=2, cursor="c4")),
        reply(body=page([1, 9], total=5, remaining=0, cursor="c9")),
    )

    assert pull(state, fake) == (0, "c9")


def test_a_feed_without_counts_is_not_checked(state: StateStore) -> None:
    fake = FakeParagon().on(
        "GET",
        RECORDS_PATH,
        reply(body={"data": [record(1)], "paging": {"cursor": "c1", "remainingRecords": 0}}),
    )

    assert pull(state, fake) == (0, "c1")


def test_a_feed_that_stops_giving_cursors_is_reported_incomplete(state: StateStore) -> None:
    fake = FakeParagon().on(
        "GET", RECORDS_PATH, reply(body=page([1, 2], total=5, remaining=3, cursor=None))
    )

    with make_client(fake) as client:
        report = pull_sync(client, state, the_sync(state), page_size=2)

    assert report.incomplete_reason is not None
    assert "3 records still to come" in report.incomplete_reason
