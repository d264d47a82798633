"""What a materialization tells a person at a glance: the index's size after the run (records by
state, points, `dagster/row_count`) beside the run's deltas, so that a run with nothing to do
still shows the real numbers; the same in a batch run; and one INFO line per stage."""

from __future__ import annotations

from typing import Any

from dagster import AssetKey, AssetRecordsFilter, Definitions

from assets import synced_records, vector_index
from pipelines.batch_job import batch_run_config, ingest_users_job
from pipelines.partitions import USERS_PARTITIONS_NAME
from tests.e2e.harness import QUIET, Emulator, Syncrag, paragraphs_document


def _write_three(emulator: Emulator, user: str) -> None:
    for i in range(3):
        emulator.write(user, f"note{i}.md", paragraphs_document(f"Note {i}", [f"Soup {i}."]))


def test_every_materialization_carries_the_index_size_even_when_nothing_changed(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    _write_three(emulator, "alice")
    sync_id = emulator.enable(syncrag.state, "alice")
    first = syncrag.ingest("alice")
    points = len(syncrag.points("alice"))
    assert points >= 3

    again = syncrag.ingest("alice")

    # The deltas say nothing happened; the totals still say how big the index is.
    assert again.records["records_new"] == again.index["points_upserted"] == 0
    # synced_records is read after the pull, before indexing: what it pulled is pending.
    assert first.records["ledger_pending"] == again.records["ledger_indexed"] == 3
    for run in (first, again):
        assert run.records["dagster/row_count"] == 3
        assert run.records["ledger_errored"] == 0
        assert run.index["points"] == run.index["dagster/row_count"] == points
        assert run.index["ledger_indexed"] == 3
        assert run.index["ledger_pending"] == 0
        assert run.checks["pulled_recently"].passed

    # A deleted file leaves the live rows and the points.
    (emulator.folder("alice") / "note0.md").unlink()
    emulator.scan(sync_id, "full")
    after = syncrag.ingest("alice", full_reconcile=True)
    assert after.records["dagster/row_count"] == 2
    assert after.index["ledger_purged"] == 1
    assert after.index["dagster/row_count"] == len(syncrag.points("alice")) < points


def test_a_batch_run_carries_the_same_totals_per_user(emulator: Emulator, syncrag: Syncrag) -> None:
    for user in ("bob", "carol"):
        _write_three(emulator, user)
        emulator.enable(syncrag.state, user)
    job = Definitions(
        assets=[synced_records, vector_index], jobs=[ingest_users_job], resources=syncrag.resources
    ).resolve_job_def("ingest_users")
    syncrag.instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["bob", "carol"])

    assert job.execute_in_process(
        instance=syncrag.instance, run_config={**QUIET, **batch_run_config(["bob", "carol"])}
    ).success

    for user in ("bob", "carol"):
        pulled = _latest(syncrag, "synced_records", user)
        indexed = _latest(syncrag, "vector_index", user)
        assert pulled["dagster/row_count"] == pulled["ledger_pending"] == 3
        assert indexed["ledger_indexed"] == 3
        assert indexed["points"] == indexed["dagster/row_count"] == len(syncrag.points(user))


def test_each_stage_logs_its_count_and_seconds(emulator: Emulator, syncrag: Syncrag) -> None:
    _write_three(emulator, "dana")
    emulator.enable(syncrag.state, "dana")

    run = syncrag.ingest("dana")

    messages = [
        line
        for entry in syncrag.instance.all_logs(run.result.run_id)
        if entry.dagster_event is None and entry.level == 20  # INFO
        for line in entry.user_message.splitlines()
    ]
    for start in ("pulled ", "read ", "embedded ", "wrote ", "indexed ", "the index holds "):
        assert any(m.startswith(f"dana: {start}") for m in messages), (start, messages)
    assert any(m.startswith("dana: pulled 1 pages in ") for m in messages), messages


def _latest(syncrag: Syncrag, asset: str, user: str) -> dict[str, Any]:
    [record] = syncrag.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[user]), limit=1
    ).records
    materialization = record.asset_materialization
    assert materialization is not None
    return {k: v.value for k, v in materialization.metadata.items()}
