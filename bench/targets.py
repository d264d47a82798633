"""The targets of issues 5 and 4, each judged on the measured ratio: met, missed or not measured.

Where a scenario ran in several rounds, a ratio is taken within each round and judged on its
median over the rounds; the detail gives the lowest and highest.
"""

from __future__ import annotations

from bench.peer import PeerRun
from bench.peer_set import REFERENCE_PEER
from bench.results import BenchResults, TargetResult, ratio
from bench.summary import ScenarioSummary, find, summarise

CEILING_BOUND = 1.10
SPEEDUP_BOUND = 5.0
TOP_INSERT_BOUND = 3
MEMORY_BOUND = 1.3
LATENCY_P50_BOUND_S = 10.0
SPEEDUP_SCENARIOS = ("no_change", "edit_1pct", "top_insert")


def evaluate_targets(results: BenchResults) -> list[TargetResult]:
    """One TargetResult per target and corpus; `met` is None when the run did not measure it."""
    targets: list[TargetResult] = []
    summaries = summarise(results.scenarios)
    for corpus in dict.fromkeys(s.corpus for s in results.scenarios):
        targets.append(_initial_target(corpus, find(summaries, corpus, "initial")))
        targets.append(_resync_target(corpus, find(summaries, corpus, "no_change")))
        targets.append(_top_insert_target(corpus, find(summaries, corpus, "top_insert")))
        for name in SPEEDUP_SCENARIOS:
            targets.append(_speedup_target(corpus, name, find(summaries, corpus, name)))
        targets.append(_deletion_target(corpus, find(summaries, corpus, "delete_5pct")))
    targets.append(_memory_target(results))
    targets.append(_latency_target(results))
    return targets


def _initial_target(corpus: str, initial: ScenarioSummary | None) -> TargetResult:
    """Met only when the median wall-time ratio and the median CPU-second ratio (syncrag's
    helper processes included) are both within the bound.

    On shared cores the wall times of two measurements taken one after the other can drift
    apart by more than the 10% at stake; CPU seconds drift far less, so a wall ratio that only
    passes thanks to a quieter moment for syncrag is not taken as met.
    """
    wall = initial.over(lambda r: r.ceiling_ratio) if initial else None
    cpu = initial.over(lambda r: r.ceiling_cpu_ratio) if initial else None
    detail = ""
    if initial is not None and wall is not None:
        syncrag = initial.over(lambda r: r.syncrag.seconds)
        ceiling = initial.over(lambda r: r.ceiling_seconds)
        share = initial.over(lambda r: r.syncrag.model_share)
        detail = f"wall {wall.text('x')}"
        if syncrag and ceiling:
            detail += f" ({syncrag.text(' s', 1)} vs {ceiling.text(' s', 1)})"
        if cpu is not None:
            detail += f"; CPU seconds {cpu.text('x')}"
        if share is not None:
            detail += f"; {share.median:.0%} of syncrag's wall time in the model"
        detail += f"; {wall.count} rounds"
    met = _at_most(wall.median if wall else None, CEILING_BOUND)
    if met and cpu is not None:
        met = cpu.median <= CEILING_BOUND
    return TargetResult(
        f"{corpus}: initial ingest / model-alone ceiling",
        wall.median if wall else None,
        f"<= {CEILING_BOUND:.2f}x in wall and CPU time (medians)",
        met,
        detail,
    )


def _resync_target(corpus: str, resync: ScenarioSummary | None) -> TargetResult:
    most = max(r.syncrag.embeddings for r in resync.rounds) if resync else None
    embeddings = None if most is None else float(most)
    return TargetResult(
        f"{corpus}: no-change resync embeddings",
        embeddings,
        "= 0 (in every round)",
        _at_most(embeddings, 0),
    )


def _top_insert_target(corpus: str, top: ScenarioSummary | None) -> TargetResult:
    # Without an editable document the scenario changed nothing and measured nothing.
    most = (
        max(r.syncrag.embeddings for r in top.rounds)
        if top and top.first.documents_changed
        else None
    )
    measured = None if most is None else float(most)
    return TargetResult(
        f"{corpus}: chunks re-embedded after a paragraph inserted at the top",
        measured,
        f"<= {TOP_INSERT_BOUND} (in every round)",
        _at_most(measured, TOP_INSERT_BOUND),
        f"{top.counts(lambda r: r.syncrag.chunks_reused)} chunks reused" if top else "",
    )


def _speedup_target(corpus: str, name: str, scenario: ScenarioSummary | None) -> TargetResult:
    speedup = scenario.over(lambda r: r.speedup_over(REFERENCE_PEER)) if scenario else None
    detail = ""
    if scenario is not None and speedup is not None:
        syncrag = scenario.over(lambda r: r.syncrag.seconds)
        peer = scenario.over(lambda r: p.seconds if (p := r.peer(REFERENCE_PEER)) else None)
        embeddings = scenario.counts(
            lambda r: p.embeddings if (p := r.peer(REFERENCE_PEER)) else None
        )
        detail = (
            f"{speedup.text('x')}; {syncrag.text(' s') if syncrag else '-'} vs "
            f"{peer.text(' s') if peer else '-'}; embeddings "
            f"{scenario.counts(lambda r: r.syncrag.embeddings)} vs {embeddings}"
        )
    return TargetResult(
        f"{corpus}: {name}: speed-up over {REFERENCE_PEER} (median)",
        speedup.median if speedup else None,
        f">= {SPEEDUP_BOUND:.0f}x",
        None if speedup is None else speedup.median >= SPEEDUP_BOUND,
        detail,
    )


def _deletion_target(corpus: str, deletion: ScenarioSummary | None) -> TargetResult:
    lefts = [r.syncrag.deleted_points_left for r in deletion.rounds] if deletion else []
    known = [left for left in lefts if left is not None]
    measured = float(max(known)) if known else None
    peers = ""
    if deletion is not None:
        peers = ", ".join(
            f"{key}: {deletion.counts(lambda r, k=key: _left(r.peer(k)))}"
            for key in deletion.peer_keys()
        )
    return TargetResult(
        f"{corpus}: points of deleted documents left after reconcile",
        measured,
        "= 0 (in every round)",
        _at_most(measured, 0),
        f"peers: {peers}" if peers else "",
    )


def _left(peer: PeerRun | None) -> int | None:
    return peer.deleted_points_left if peer is not None else None


def _memory_target(results: BenchResults) -> TargetResult:
    by_scale = {run.scale: run for run in results.memory}
    small, large = by_scale.get(1), by_scale.get(10)
    measured = detail = None
    if small is not None and large is not None:
        measured = ratio(large.peak_rss_mib, small.peak_rss_mib)
        detail = (
            f"{large.peak_rss_mib:.0f} MiB vs {small.peak_rss_mib:.0f} MiB "
            f"({large.embedder} embedder)"
        )
    return TargetResult(
        "peak RSS at 10x the corpus / at 1x",
        measured,
        f"<= {MEMORY_BOUND:.1f}x",
        _at_most(measured, MEMORY_BOUND),
        detail or "",
    )


def _latency_target(results: BenchResults) -> TargetResult:
    latency = results.latency
    measured = latency.p50 if latency else None
    detail = ""
    if latency is not None:
        p95 = "-" if latency.p95 is None else f"{latency.p95:.1f}"
        detail = f"p95 {p95} s over {len(latency.samples)} changes, {latency.timeouts} timed out"
    return TargetResult(
        "change-to-searchable p50 (issue 4 aim)",
        measured,
        f"< {LATENCY_P50_BOUND_S:.0f} s",
        None if measured is None else measured < LATENCY_P50_BOUND_S,
        detail,
    )


def _at_most(measured: float | None, bound: float) -> bool | None:
    return None if measured is None else measured <= bound
