"""The targets of issues 5 and 4, each judged on the measured ratio: met, missed or not measured."""

from __future__ import annotations

from bench.results import BenchResults, TargetResult, ratio

DEFAULT_PEER_BATCH = 100
CEILING_BOUND = 1.10
SPEEDUP_BOUND = 5.0
TOP_INSERT_BOUND = 3
MEMORY_BOUND = 1.3
LATENCY_P50_BOUND_S = 10.0


def evaluate_targets(results: BenchResults) -> list[TargetResult]:
    """One TargetResult per target and corpus; `met` is None when the run did not measure it."""
    targets: list[TargetResult] = []
    for corpus in dict.fromkeys(s.corpus for s in results.scenarios):
        targets += _corpus_targets(results, corpus)
    targets.append(_memory_target(results))
    targets.append(_latency_target(results))
    return targets


def _corpus_targets(results: BenchResults, corpus: str) -> list[TargetResult]:
    targets: list[TargetResult] = []
    initial = results.scenario(corpus, "initial")
    measured = initial.ceiling_ratio if initial else None
    targets.append(
        TargetResult(
            f"{corpus}: initial ingest / model-alone ceiling",
            measured,
            f"<= {CEILING_BOUND:.2f}x",
            _at_most(measured, CEILING_BOUND),
            _detail(
                initial
                and f"{initial.syncrag.seconds:.1f} s vs {initial.ceiling_seconds or 0:.1f} s"
            ),
        )
    )
    resync = results.scenario(corpus, "no_change")
    embeddings = float(resync.syncrag.embeddings) if resync else None
    targets.append(
        TargetResult(
            f"{corpus}: no-change resync embeddings",
            embeddings,
            "= 0",
            _at_most(embeddings, 0),
        )
    )
    top = results.scenario(corpus, "top_insert")
    reembedded = float(top.syncrag.embeddings) if top and top.documents_changed else None
    targets.append(
        TargetResult(
            f"{corpus}: chunks re-embedded after a paragraph inserted at the top",
            reembedded,
            f"<= {TOP_INSERT_BOUND}",
            _at_most(reembedded, TOP_INSERT_BOUND),
            _detail(top and f"{top.syncrag.chunks_reused} chunks of the document reused"),
        )
    )
    for name in ("no_change", "edit_1pct", "top_insert"):
        scenario = results.scenario(corpus, name)
        speedup = scenario.speedup_over(DEFAULT_PEER_BATCH) if scenario else None
        peer = scenario.peer(DEFAULT_PEER_BATCH) if scenario else None
        targets.append(
            TargetResult(
                f"{corpus}: {name}: speed-up over LangChain index() (batch_size=100)",
                speedup,
                f">= {SPEEDUP_BOUND:.0f}x",
                None if speedup is None else speedup >= SPEEDUP_BOUND,
                _detail(
                    scenario
                    and peer
                    and f"{scenario.syncrag.seconds:.2f} s vs {peer.seconds:.2f} s; "
                    f"embeddings {scenario.syncrag.embeddings} vs {peer.embeddings}"
                ),
            )
        )
    deletion = results.scenario(corpus, "delete_5pct")
    left = deletion.syncrag.deleted_points_left if deletion else None
    peers_left = (
        ", ".join(f"{p.name}: {p.deleted_points_left}" for p in deletion.peers) if deletion else ""
    )
    targets.append(
        TargetResult(
            f"{corpus}: points of deleted documents left after reconcile",
            None if left is None else float(left),
            "= 0",
            _at_most(None if left is None else float(left), 0),
            f"peers: {peers_left}" if peers_left else "",
        )
    )
    return targets


def _memory_target(results: BenchResults) -> TargetResult:
    by_scale = {run.scale: run for run in results.memory}
    small, large = by_scale.get(1), by_scale.get(10)
    measured = ratio(large.peak_rss_mib, small.peak_rss_mib) if small and large else None
    return TargetResult(
        "peak RSS at 10x the corpus / at 1x",
        measured,
        f"<= {MEMORY_BOUND:.1f}x",
        _at_most(measured, MEMORY_BOUND),
        _detail(
            small
            and large
            and f"{large.peak_rss_mib:.0f} MiB vs {small.peak_rss_mib:.0f} MiB "
            f"({large.embedder} embedder)"
        ),
    )


def _latency_target(results: BenchResults) -> TargetResult:
    latency = results.latency
    measured = latency.p50 if latency else None
    return TargetResult(
        "change-to-searchable p50 (issue 4 aim)",
        measured,
        f"< {LATENCY_P50_BOUND_S:.0f} s",
        None if measured is None else measured < LATENCY_P50_BOUND_S,
        _detail(
            latency
            and f"p95 {latency.p95 or 0:.1f} s over {len(latency.samples)} changes, "
            f"{latency.timeouts} timed out"
        ),
    )


def _at_most(measured: float | None, bound: float) -> bool | None:
    return None if measured is None else measured <= bound


def _detail(text: object) -> str:
    # `a and b and "..."` yields a falsy non-string when a part is missing.
    return text if isinstance(text, str) else ""
