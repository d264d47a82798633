"""End to end: deletions reach the index only on the API's word (design invariant 4), and the
full reconcile deletes nothing from an abnormal listing or in bulk (design invariant 6)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from resources.state import EventStatus, RecordState
from tests.e2e.harness import Emulator, Syncrag, installed, paragraphs_document


def _write_files(emulator: Emulator, user: str, count: int) -> list[str]:
    names = [f"file{i:02d}.md" for i in range(count)]
    for i, name in enumerate(names):
        body = paragraphs_document(
            f"Memo {i}", [f"Memo number {i} is about topic {i * 13} and nothing else."]
        )
        emulator.write(user, name, body)
    return names


def test_a_file_deleted_and_fully_synced_loses_its_points(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    names = _write_files(emulator, "alice", 3)
    sync_id = emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    gone = syncrag.ledger_by_name("alice")[names[1]]

    points = syncrag.record_points("alice", gone.record_id)
    assert points
    path = emulator.folder("alice") / names[1]
    content = path.read_bytes()
    path.unlink()
    assert emulator.scan(sync_id, "full")["deleted"] == 1
    run = syncrag.ingest("alice")

    assert run.records["records_deleted"] == 1
    assert run.index["records_purged"] == 1
    assert run.index["points_deleted"] == gone.chunk_count
    assert syncrag.record_state(sync_id, gone.record_id) == RecordState.PURGED
    assert syncrag.record_points("alice", gone.record_id) == {}
    assert {p["record_id"] for p in syncrag.points("alice").values()} == {
        r.record_id for r in syncrag.ledger("alice") if r.state == RecordState.INDEXED
    }
    assert run.checks["index_matches_ledger"].passed

    # The file comes back: same record id, indexed again into the same points.
    path.write_bytes(content)
    assert emulator.scan(sync_id, "incremental")["created"] == 1
    back = syncrag.ingest("alice")
    assert back.index["records_indexed"] == 1
    assert syncrag.record_state(sync_id, gone.record_id) == RecordState.INDEXED
    assert syncrag.record_points("alice", gone.record_id).keys() == points.keys()


def _forge_deletion(syncrag: Syncrag, *, user: str, sync_id: str, record_id: str) -> None:
    payload = {
        "event": "record_deleted",
        "syncInstanceId": sync_id,
        "sync": "googledrive",
        "user": {"id": user},
        "data": {"model": "files", "recordId": record_id},
    }
    syncrag.state.insert_event(
        dedup_key=f"forged:{user}:{record_id}",
        user_id=user,
        sync_id=sync_id,
        event_type="record_deleted",
        record_id=record_id,
        payload=payload,
    )


def test_a_forged_record_deleted_for_an_existing_record_deletes_nothing(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    names = _write_files(emulator, "alice", 2)
    sync_id = emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    target = syncrag.ledger_by_name("alice")[names[0]]
    points = syncrag.points("alice")

    _forge_deletion(syncrag, user="alice", sync_id=sync_id, record_id=target.record_id)
    run = syncrag.ingest("alice")

    assert run.records["deletion_hints_rejected"] == 1
    assert run.records["deletion_hints_confirmed"] == 0
    assert syncrag.record_state(sync_id, target.record_id) == RecordState.INDEXED
    assert syncrag.points("alice") == points
    [event] = syncrag.state.events_after(0)
    assert event.status == EventStatus.PROCESSED
    assert run.checks["index_matches_ledger"].passed


def test_a_record_deleted_hint_naming_another_users_sync_deletes_nothing(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    names = _write_files(emulator, "alice", 2)
    sync_id = emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    target = syncrag.ledger_by_name("alice")[names[0]]
    points = syncrag.points("alice")

    # Mallory's run asks the API as Mallory, who cannot see Alice's sync (404): that must not
    # read as "Alice's record is gone".
    _forge_deletion(syncrag, user="mallory", sync_id=sync_id, record_id=target.record_id)
    mallory = syncrag.ingest("mallory")
    alice = syncrag.ingest("alice")

    assert mallory.records["deletion_hints_confirmed"] == 0
    assert mallory.records["deletion_hints_rejected"] == 1
    assert syncrag.record_state(sync_id, target.record_id) == RecordState.INDEXED
    assert alice.index["points_deleted"] == 0
    assert syncrag.points("alice") == points


def _contacts(count: int) -> str:
    lines = [
        {
            "externalId": f"contact-{i:04d}",
            "firstName": f"Person{i}",
            "lastName": "Example",
            "jobTitle": "Buyer",
            "notes": f"Met at fair number {i}.",
        }
        for i in range(count)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


def test_a_reconcile_whose_listing_breaks_deletes_nothing_and_says_why(
    emulator: Emulator, tmp_path: Path
) -> None:
    # More records than one reconcile page (1000), so that the listing has a second page to
    # break; one batch per run keeps the 1,040 records quick to index.
    with installed(emulator, tmp_path / "big", SYNCRAG_RECORD_BATCH_SIZE="1000") as syncrag:
        emulator.write("carol", "people.jsonl", _contacts(1040), pipeline="contacts")
        sync_id = emulator.enable(syncrag.state, "carol", pipeline="contacts")
        assert syncrag.ingest("carol").index["records_indexed"] == 1040
        points = syncrag.points("carol")

        # A silent cut: the second page comes back empty and claims nothing remains.
        emulator.set_faults(feed_break="truncate", feed_break_after_pages=1)
        truncated = syncrag.ingest("carol", full_reconcile=True)
        # A loud one: the second page, and the incremental pull after it, answer 500.
        emulator.set_faults(feed_break="error", feed_break_after_pages=1)
        failed = syncrag.ingest("carol", full_reconcile=True, raise_on_error=False)

        counts = syncrag.state.counts_by_state("carol")[sync_id]
        assert counts[RecordState.INDEXED] == 1040
        assert counts[RecordState.DELETED] == counts[RecordState.PURGED] == 0
        assert syncrag.points("carol") == points
        assert truncated.records["reconcile_refused"] == 1
        assert truncated.records["records_deleted"] == 0
        assert "ended after 1000 of the 1040 records" in truncated.records["reconcile"]
        assert truncated.checks["index_matches_ledger"].passed
        assert not failed.success
        [failure] = [e for e in failed.result.all_events if e.is_step_failure]
        assert "returned 500" in str(failure.step_failure_data.error)
        warnings = _run_warnings(syncrag, failed.result.run_id)
        assert any(sync_id in w and "ended abnormally" in w for w in warnings), warnings


def _run_warnings(syncrag: Syncrag, run_id: str) -> list[str]:
    return [
        entry.user_message
        for entry in syncrag.instance.all_logs(run_id)
        if entry.level == logging.WARNING and not entry.is_dagster_event
    ]


def _delete_and_reenable(emulator: Emulator, syncrag: Syncrag, user: str, sync_id: str) -> None:
    """The sync is deleted and enabled again: its new listing lacks the files deleted meanwhile,
    without tombstones (the old incarnation's records are gone with it)."""
    emulator.client.delete_sync(user, sync_id)
    assert emulator.enable(syncrag.state, user) == sync_id


def test_a_reconcile_refuses_to_delete_most_of_a_users_records(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    names = _write_files(emulator, "alice", 6)
    sync_id = emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    points = syncrag.points("alice")

    for name in names[:4]:
        (emulator.folder("alice") / name).unlink()
    _delete_and_reenable(emulator, syncrag, "alice", sync_id)
    run = syncrag.ingest("alice", full_reconcile=True)

    assert run.records["reconcile_refused"] == 1
    assert run.records["records_deleted"] == 0
    assert "4 of 6 records" in run.records["reconcile"]
    assert "SYNCRAG_RECONCILE_MAX_DELETE_SHARE" in run.records["reconcile"]
    assert all(r.state == RecordState.INDEXED for r in syncrag.ledger("alice"))
    assert syncrag.points("alice") == points


def test_a_reconcile_tombstones_exactly_the_few_records_the_listing_lacks(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    names = _write_files(emulator, "alice", 6)
    sync_id = emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    ledger = syncrag.ledger_by_name("alice")

    for name in names[1:3]:
        (emulator.folder("alice") / name).unlink()
    _delete_and_reenable(emulator, syncrag, "alice", sync_id)
    run = syncrag.ingest("alice", full_reconcile=True)

    assert run.records["reconcile_refused"] == 0
    assert run.records["records_deleted"] == 2
    assert run.index["records_purged"] == 2
    states = {r.name: r.state for r in syncrag.ledger("alice")}
    assert {n for n, s in states.items() if s == RecordState.PURGED} == set(names[1:3])
    assert {n for n, s in states.items() if s == RecordState.INDEXED} == set(names) - set(
        names[1:3]
    )
    remaining = {p["record_id"] for p in syncrag.points("alice").values()}
    assert remaining == {ledger[n].record_id for n in names if n not in names[1:3]}
    assert run.checks["index_matches_ledger"].passed


def test_a_sync_deleted_at_the_api_takes_its_points_and_the_users_other_syncs_go_on(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    _write_files(emulator, "alice", 2)
    emulator.write("alice", "people.jsonl", _contacts(3), pipeline="contacts")
    files = emulator.enable(syncrag.state, "alice")
    contacts = emulator.enable(syncrag.state, "alice", pipeline="contacts")
    syncrag.ingest("alice")

    emulator.client.delete_sync("alice", files)
    emulator.write("alice", "people.jsonl", _contacts(4), pipeline="contacts")
    emulator.scan(contacts, "incremental")
    run = syncrag.ingest("alice")

    assert run.success
    assert run.index["records_purged"] == 2
    assert run.index["records_indexed"] == 1  # the new contact: the other sync still pulls
    assert {p["sync_id"] for p in syncrag.points("alice").values()} == {contacts}
    sync = syncrag.state.get_sync(files)
    assert sync is not None and sync.reason is not None and "deleted" in sync.reason
    assert run.checks["index_matches_ledger"].passed
    assert syncrag.ingest("alice").success

    # Enabled again: the sync comes back with its records.
    emulator.enable(syncrag.state, "alice")
    again = syncrag.ingest("alice")
    assert again.index["records_indexed"] == 2
    assert {p["sync_id"] for p in syncrag.points("alice").values()} == {files, contacts}
