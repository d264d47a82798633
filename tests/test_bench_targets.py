"""bench.targets: each target judged on the measured ratio, met, missed or not measured."""

from __future__ import annotations

import pytest

from bench.peer import PeerRun
from bench.peer_set import REFERENCE_PEER
from bench.results import (
    BenchResults,
    LatencyResult,
    MemoryRun,
    ScenarioResult,
    SyncragRun,
    TargetResult,
)
from bench.targets import evaluate_targets


def syncrag_run(seconds: float, embeddings: int, *, left: int | None = None) -> SyncragRun:
    return SyncragRun(
        seconds=seconds,
        embeddings=embeddings,
        chunks_total=100,
        chunks_reused=100 - embeddings,
        points_upserted=embeddings,
        points_deleted=0,
        records_pulled=1,
        records_indexed=1,
        records_errored=0,
        records_purged=0,
        model_seconds=seconds / 2,
        seconds_reading=0.0,
        seconds_storing=0.0,
        peak_rss_mib=500.0,
        deleted_points_left=left,
    )


def peer(batch: int, seconds: float, embeddings: int, left: int | None = None) -> PeerRun:
    return PeerRun(f"b{batch}", batch, seconds, embeddings, 0, 0, 0, 0, left, key=REFERENCE_PEER)


def scenario(
    name: str, run: SyncragRun, ceiling: float | None, peers: list[PeerRun], changed: int = 1
) -> ScenarioResult:
    return ScenarioResult("synthetic", name, name, changed, run, ceiling, peers)


def results(**overrides: object) -> BenchResults:
    base = BenchResults(
        started_at="now", command="python -m bench", mode="test", machine={}, config={}
    )
    base.scenarios = [
        scenario("initial", syncrag_run(105.0, 1000), 100.0, [peer(100, 101.0, 1000)]),
        scenario("no_change", syncrag_run(0.1, 0), None, [peer(100, 2.0, 88)], changed=0),
        scenario("edit_1pct", syncrag_run(1.0, 4), 0.5, [peer(100, 4.0, 90)]),
        scenario("top_insert", syncrag_run(0.5, 5), 0.2, [peer(100, 6.0, 46)]),
        scenario("delete_5pct", syncrag_run(0.3, 0, left=0), None, [peer(100, 1.0, 0, left=17)]),
    ]
    base.memory = [
        MemoryRun(1, 120, 1000, 10.0, 400.0, "fake"),
        MemoryRun(10, 1200, 10000, 90.0, 480.0, "fake"),
    ]
    base.latency = LatencyResult("test", [12.0, 14.0, 16.0], 0, 14.0, 15.8)
    for key, value in overrides.items():
        setattr(base, key, value)
    return base


def by_name(targets: list[TargetResult], fragment: str) -> TargetResult:
    [match] = [t for t in targets if fragment in t.name]
    return match


def test_each_target_reports_its_ratio_and_verdict() -> None:
    targets = evaluate_targets(results())

    initial = by_name(targets, "initial ingest")
    assert initial.measured == pytest.approx(1.05) and initial.met is True
    assert by_name(targets, "no-change resync").met is True
    top = by_name(targets, "inserted at the top")
    assert top.measured == 5 and top.met is False
    assert by_name(targets, "no_change: speed-up").measured == pytest.approx(20.0)
    assert by_name(targets, "no_change: speed-up").met is True
    assert by_name(targets, "edit_1pct: speed-up").met is False  # 4x < 5x
    assert by_name(targets, "top_insert: speed-up").met is True  # 12x
    deleted = by_name(targets, "deleted documents")
    assert deleted.met is True and "17" in deleted.detail
    memory = by_name(targets, "peak RSS")
    assert memory.measured == pytest.approx(1.2) and memory.met is True
    latency = by_name(targets, "change-to-searchable")
    assert latency.measured == 14.0 and latency.met is False


def test_missing_measurements_are_not_measured_rather_than_met() -> None:
    targets = evaluate_targets(results(memory=[], latency=None, scenarios=[]))

    assert [t.met for t in targets] == [None, None]
    assert all(t.measured is None for t in targets)


def test_a_slow_initial_ingest_is_not_met() -> None:
    slow = results()
    slow.scenarios[0] = scenario("initial", syncrag_run(130.0, 1000), 100.0, [])
    assert by_name(evaluate_targets(slow), "initial ingest").met is False


def test_a_resync_that_embeds_anything_is_not_met() -> None:
    busy = results()
    busy.scenarios[1] = scenario("no_change", syncrag_run(1.0, 3), 0.1, [], changed=0)
    assert by_name(evaluate_targets(busy), "no-change resync").met is False


def test_an_initial_ingest_within_the_bound_only_in_wall_time_is_not_met() -> None:
    # A quiet moment for syncrag and a busy one for the ceiling make a wall ratio that passes.
    drifted = results()
    drifted.scenarios[0].syncrag.cpu_seconds = 130.0
    drifted.scenarios[0].ceiling_cpu_seconds = 100.0
    target = by_name(evaluate_targets(drifted), "initial ingest")
    assert target.measured == pytest.approx(1.05)
    assert target.met is False
    assert "CPU seconds 1.30x" in target.detail


def test_an_initial_ingest_within_the_bound_in_both_is_met() -> None:
    steady = results()
    steady.scenarios[0].syncrag.cpu_seconds = 108.0
    steady.scenarios[0].ceiling_cpu_seconds = 100.0
    assert by_name(evaluate_targets(steady), "initial ingest").met is True
