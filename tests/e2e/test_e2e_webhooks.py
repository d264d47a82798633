"""End to end with webhooks: the emulator's deliveries land in the receiver's inbox, the sensor
turns them into one run per user, and the run brings the index in step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import RunRequest, SensorResult, build_sensor_context

from pipelines.sensors import build_webhook_sensor
from resources.state import EventStatus, RecordState, StateStore
from resources.state_resource import StateResource
from tests.e2e.harness import (
    WEBHOOK_SECRET,
    Emulator,
    KeyFiles,
    Syncrag,
    installed,
    paragraphs_document,
)
from webhooks import create_app as create_receiver


@pytest.fixture
def wired(tmp_path: Path, keys: KeyFiles) -> Iterator[tuple[Emulator, Syncrag]]:
    """An emulator whose webhooks go to syncrag's receiver, and the syncrag install behind it."""
    workdir = tmp_path / "syncrag"
    workdir.mkdir()
    (tmp_path / "corpus").mkdir()
    with StateStore.open(f"sqlite:///{workdir / 'state.db'}") as inbox:
        emulator = Emulator(
            tmp_path / "corpus",
            keys,
            webhook_receiver=create_receiver(inbox, secret=WEBHOOK_SECRET),
        )
        try:
            with installed(emulator, workdir) as syncrag:
                yield emulator, syncrag
        finally:
            emulator.close()


def _tick(syncrag: Syncrag, cursor: str | None) -> SensorResult:
    with build_sensor_context(
        instance=syncrag.instance,
        cursor=cursor,
        resources={"state": StateResource(url=syncrag.settings.state_url)},
    ) as context:
        result = build_webhook_sensor(5)(context)
    assert isinstance(result, SensorResult)
    return result


def _run_requested(syncrag: Syncrag, result: SensorResult) -> list[str]:
    """Apply the tick as the daemon would: add partitions, then run each requested user."""
    for request in result.dynamic_partitions_requests or []:
        syncrag.instance.add_dynamic_partitions(
            request.partitions_def_name, list(request.partition_keys or [])
        )
    users: list[str] = []
    for request in result.run_requests or []:
        assert isinstance(request, RunRequest) and request.partition_key is not None
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
    [request] = second.run_requests or []
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
    assert not _tick(syncrag, third.cursor).run_requests
