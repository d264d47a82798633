"""The syncs table through StateStore: recording syncs, their status, cursor and owner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest

from resources.state import StateStore, SyncOwnerError, SyncStatus, UnknownSyncError
from tests.test_state_support import BACKENDS, TickingClock, add_sync, change, open_backend


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    with (
        open_backend(request.param, tmp_path) as backend,
        backend.open(clock=TickingClock()) as opened,
    ):
        yield opened


def test_upsert_records_a_new_sync(store: StateStore) -> None:
    store.upsert_sync(
        user_id="u1",
        sync_id="s1",
        integration="googledrive",
        pipeline="files",
        status=SyncStatus.INITIALIZING,
        configuration_name="default",
    )
    sync = store.get_sync("s1")
    assert sync is not None
    assert (sync.user_id, sync.integration, sync.pipeline) == ("u1", "googledrive", "files")
    assert sync.configuration_name == "default"
    assert sync.status is SyncStatus.INITIALIZING
    assert (sync.reason, sync.cursor, sync.cursor_updated_at) == (None, None, None)
    assert sync.initial_complete is False
    assert sync.created_at.tzinfo is UTC and sync.updated_at.tzinfo is UTC


def test_upsert_refreshes_the_description_and_keeps_progress(store: StateStore) -> None:
    add_sync(store)
    store.apply_page(user_id="u1", sync_id="s1", changes=[], cursor="c9")
    store.mark_initial_complete("s1")
    before = store.get_sync("s1")
    store.upsert_sync(
        user_id="u1",
        sync_id="s1",
        integration="googledrive",
        pipeline="files",
        status="ERRORED",
        reason="Credential ID x is no longer valid or has been deleted.",
    )
    after = store.get_sync("s1")
    assert before is not None and after is not None
    assert after.status is SyncStatus.ERRORED
    assert after.reason == "Credential ID x is no longer valid or has been deleted."
    assert (after.cursor, after.initial_complete) == ("c9", True)
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at


def test_a_sync_cannot_move_to_another_user(store: StateStore) -> None:
    add_sync(store, "s1", user_id="u1")
    with pytest.raises(SyncOwnerError):
        add_sync(store, "s1", user_id="u2")
    sync = store.get_sync("s1")
    assert sync is not None and sync.user_id == "u1"


def test_status_reason_and_initial_completion(store: StateStore) -> None:
    add_sync(store)
    store.set_sync_status("s1", SyncStatus.ERRORED, reason="token revoked")
    sync = store.get_sync("s1")
    assert sync is not None and (sync.status, sync.reason) == (SyncStatus.ERRORED, "token revoked")
    store.set_sync_status("s1", "IDLE")
    store.mark_initial_complete("s1")
    sync = store.get_sync("s1")
    assert sync is not None
    assert (sync.status, sync.reason, sync.initial_complete) == (SyncStatus.IDLE, None, True)


def test_an_unknown_status_is_refused(store: StateStore) -> None:
    add_sync(store)
    with pytest.raises(ValueError, match="SyncStatus"):
        store.set_sync_status("s1", "PAUSED")


def test_reset_cursor_forgets_the_position_and_keeps_the_ledger(store: StateStore) -> None:
    add_sync(store)
    store.apply_page(user_id="u1", sync_id="s1", changes=[change("r1")], cursor="c1")
    store.reset_cursor("s1")
    sync = store.get_sync("s1")
    assert sync is not None and sync.cursor is None
    assert store.get_record("s1", "r1") is not None


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.set_sync_status("nope", "IDLE"),
        lambda store: store.mark_initial_complete("nope"),
        lambda store: store.reset_cursor("nope"),
    ],
    ids=["set_sync_status", "mark_initial_complete", "reset_cursor"],
)
def test_updates_of_an_unknown_sync_raise(
    store: StateStore, call: Callable[[StateStore], object]
) -> None:
    with pytest.raises(UnknownSyncError, match="upsert_sync"):
        call(store)


def test_get_sync_of_an_unknown_sync_is_none(store: StateStore) -> None:
    assert store.get_sync("nope") is None


def test_listing_syncs_and_users(store: StateStore) -> None:
    add_sync(store, "s2", user_id="u2")
    add_sync(store, "s3", user_id="u1")
    add_sync(store, "s1", user_id="u1")
    assert [s.sync_id for s in store.list_syncs()] == ["s1", "s3", "s2"]
    assert [s.sync_id for s in store.list_syncs("u1")] == ["s1", "s3"]
    assert store.list_syncs("nobody") == []
    assert store.list_users() == ["u1", "u2"]
