"""End to end with webhooks: the emulator's deliveries land in the receiver's inbox, the sensor
turns them into one run per user, and the run brings the index in step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import instance_for_test

from pipelines.definitions import build_definitions
from pipelines.partitions import USERS_PARTITIONS_NAME
from resources.state import EventStatus, RecordState, StateStore
from tests.e2e.harness import (
    WEBHOOK_SECRET,
    Emulator,
    KeyFiles,
    Syncrag,
    install,
    paragraphs_document,
)
from tests.test_sensor_support import Tick, evaluate_sensor_tick
from webhooks import create_app as create_receiver


@pytest.fixture
def wired(tmp_path: Path, keys: KeyFiles) -> Iterator[tuple[Emulator, Syncrag]]:
    """An emulator whose webhooks go to syncrag's receiver, and the syncrag install behind it
    (on a persistent test instance: the sensor is evaluated as the daemon does)."""
    workdir = tmp_path / "syncrag"
    workdir.mkdir()
    (tmp_path / "corpus").mkdir()
    with (
        StateStore.open(f"sqlite:///{workdir / 'state.db'}") as inbox,
        instance_for_test() as instance,
    ):
        emulator = Emulator(
            tmp_path / "corpus",
            keys,
            webhook_receiver=create_receiver(inbox, secret=WEBHOOK_SECRET),
        )
        syncrag = install(emulator, workdir, instance)
        try:
            yield emulator, syncrag
        finally:
            syncrag.close()
            emulator.close()


def _tick(syncrag: Syncrag, cursor: str | None) -> Tick:
    """One tick through Dagster's evaluation, with the install's resources: the real Sync API
    resource asks the emulator about users it has never seen."""
    repository = build_definitions(syncrag.environ).get_repository_def()
    return evaluate_sensor_tick(syncrag.instance, repository, syncrag.resources, cursor)


def _run_requested(syncrag: Syncrag, tick: Tick) -> list[str]:
    """Run each requested user, as the daemon would (the tick's partitions are added)."""
    users: list[str] = []
    for request in tick.requests:
        assert request.partition_key is not None
        users.append(request.partition_key)
        assert syncrag.ingest(request.partition_key).checks["index_matches_ledger"].passed
    return users


def test_webhooks_drive_runs_that_keep_the_index_in_step(
    wired: tuple[Emulator, Syncrag],
) -> None:
    emulator, syncrag = wired
    emulator.write("alice", "plan.md", paragraphs_document("Plan", ["Ship the kettle release."]))
    emulator.write("alice", "old.md", paragraphs_document("Old", ["An obsolete teapot memo."]))
    sync_id = emulator.enable(syncrag.state, "alice")

    assert emulator.flush_webhooks()["delivered"] == 1  # sync_complete
    first = _tick(syncrag, None)
    assert _run_requested(syncrag, first) == ["alice"]
    assert syncrag.search("alice", "kettle release")[0].payload["title"] == "plan.md"

    emulator.write("alice", "plan.md", paragraphs_document("Plan", ["Ship the samovar release."]))
    emulator.write("alice", "new.md", paragraphs_document("New", ["A fresh espresso memo."]))
    emulator.scan(sync_id, "incremental")
    assert emulator.flush_webhooks()["delivered"] == 2  # record_updated, record_created
    second = _tick(syncrag, first.cursor)
    [request] = second.requests
    assert request.tags["syncrag/events"] == "2"
    assert _run_requested(syncrag, second) == ["alice"]
    assert syncrag.search("alice", "espresso memo")[0].payload["title"] == "new.md"
    assert "samovar" in syncrag.search("alice", "samovar release")[0].payload["text"]

    (emulator.folder("alice") / "old.md").unlink()
    emulator.scan(sync_id, "full")
    assert emulator.flush_webhooks()["delivered"] == 1  # record_deleted
    third = _tick(syncrag, second.cursor)
    assert _run_requested(syncrag, third) == ["alice"]

    ledger = syncrag.ledger_by_name("alice")
    assert ledger["old.md"].state == RecordState.PURGED
    assert syncrag.record_points("alice", ledger["old.md"].record_id) == {}
    assert {e.event_type: e.status for e in syncrag.state.events_after(0)}[
        "record_deleted"
    ] == EventStatus.PROCESSED
    assert not _tick(syncrag, third.cursor).requests


def test_an_event_for_a_user_without_a_sync_adds_no_partition_and_no_run(
    wired: tuple[Emulator, Syncrag],
) -> None:
    emulator, syncrag = wired
    emulator.write("alice", "plan.md", paragraphs_document("Plan", ["Ship the kettle release."]))
    emulator.enable(syncrag.state, "alice")
    assert emulator.flush_webhooks()["delivered"] == 1  # sync_complete
    # What the receiver stores for a delivery that names a user Paragon has no sync for.
    assert syncrag.state.insert_event(
        dedup_key="forged-1",
        user_id="mallory",
        sync_id=None,
        event_type="record_updated",
        record_id="rec-1",
        payload={"event": "record_updated", "user": {"id": "mallory"}},
    )

    tick = _tick(syncrag, None)

    assert tick.added == ["alice"]
    assert _run_requested(syncrag, tick) == ["alice"]
    assert syncrag.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME) == ["alice"]
    assert [e.status for e in syncrag.state.events_after(0) if e.user_id == "mallory"] == [
        EventStatus.REJECTED
    ]
