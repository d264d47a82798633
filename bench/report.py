"""The results as Markdown: per-corpus scenario tables, memory, latency, targets and notes."""

from __future__ import annotations

from collections.abc import Sequence

from bench.peer_set import REFERENCE_PEER
from bench.results import BenchResults, TargetResult
from bench.rounds import Spread
from bench.summary import ScenarioSummary, summarise

EXTRACT_CHUNK_NOTE = (
    "\\* Measured apart, single-threaded: extracting the documents the scenario changed (to "
    "hand the peers their input), and chunking inside the peer "
    f"{REFERENCE_PEER}, which re-splits every live document on every pass. syncrag extracts "
    "and chunks only changed documents, in its reader thread, overlapped with embedding: in "
    "the initial row both columns are the non-model work syncrag overlaps with the model."
)
SPREAD_NOTE = (
    "Times are medians over the rounds with [lowest-highest]; ratios are taken within each "
    "round, then their median and range. A count that differed between rounds shows each value."
)
MEMORY_METHOD = (
    "Each size is ingested by a fresh process (`python -m bench.memory_child`) that reports its "
    "own peak RSS (VmHWM); the emulator serving it runs in a process of its own."
)
FAKE_EMBEDDER_NOTE = (
    "The fake (hashing, 384-dimension) embedder stands in for the model: the real one would "
    "take the model's time on top (see the initial ingest), and its fixed memory (the runtime "
    "and the weights, the same at every size) would only flatten the ratio."
)
PHASE_LABELS = {
    "to_inbox": "file written -> webhook in the inbox",
    "to_run_created": "-> run created by the sensor",
    "to_run_started": "-> run process started",
    "to_searchable": "-> searchable",
}


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def spread_seconds(value: Spread | None) -> str:
    if value is None:
        return "-"
    digits = 2 if value.high < 10 else 1
    return value.text("", digits)


def spread_times(value: Spread | None) -> str:
    if value is None:
        return "-"
    return value.text("x", 2 if value.high < 100 else 0)


def times(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if value < 100 else f"{value:.0f}x"


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "not measured"}[met]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(results: BenchResults) -> str:
    lines: list[str] = [f"# syncrag benchmark ({results.mode})", ""]
    machine = results.machine
    lines += [
        f"- Command: `{results.command}`",
        f"- Started {results.started_at}, took {results.seconds / 60:.1f} min",
        f"- Machine: {machine.get('nproc')} cores ({machine.get('cpu_model')}), "
        f"{machine.get('memory_gib')} GiB RAM, Python {machine.get('python')}; load average "
        f"{machine.get('load_average_at_start')} at start, {machine.get('load_average_at_end')} "
        "at end (the cores are shared: other work inflates every time here alike)",
        "",
    ]
    summaries = summarise(results.scenarios)
    for corpus in dict.fromkeys(s.corpus for s in summaries):
        scenarios = [s for s in summaries if s.corpus == corpus]
        lines += [f"## Scenarios: {corpus}", "", results.corpora.get(corpus, ""), ""]
        lines += [*_syncrag_table(scenarios), "", EXTRACT_CHUNK_NOTE, ""]
        lines += [*_ceiling_table(scenarios), ""]
        lines += [*_peers_table(scenarios), "", SPREAD_NOTE, ""]
        lines += [*_rounds_table(scenarios), ""]
    for corpus, note in results.corpora.items():
        if corpus not in {s.corpus for s in results.scenarios}:
            lines += [f"## Scenarios: {corpus}", "", f"Skipped: {note}", ""]
    lines += [*_memory_section(results), ""]
    lines += [*_latency_section(results), ""]
    lines += ["## Targets", "", *_targets_table(results.targets), ""]
    if results.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in results.notes] + [""]
    return "\n".join(lines)


def _syncrag_table(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    rows = [
        [
            s.scenario,
            str(s.first.documents_changed),
            spread_seconds(s.over(lambda r: r.syncrag.seconds)),
            s.counts(lambda r: r.syncrag.embeddings),
            s.counts(lambda r: r.syncrag.chunks_reused),
            s.counts(lambda r: r.syncrag.points_upserted),
            s.counts(lambda r: r.syncrag.points_deleted),
            spread_seconds(s.over(lambda r: r.syncrag.model_seconds)),
            _share(s.over(lambda r: r.syncrag.model_share)),
            spread_seconds(s.over(lambda r: r.syncrag.seconds_reading)),
            spread_seconds(s.over(lambda r: r.syncrag.cpu_seconds)),
            spread_seconds(s.over(lambda r: r.syncrag.helper_cpu_seconds)),
            spread_seconds(s.over(lambda r: r.extraction_seconds)),
            spread_seconds(
                s.over(lambda r: p.split_seconds if (p := r.peer(REFERENCE_PEER)) else None)
            ),
            f"{m.median:.0f}" if (m := s.over(lambda r: r.syncrag.peak_rss_mib)) else "-",
        ]
        for s in scenarios
    ]
    header = [
        "scenario",
        "docs changed",
        "syncrag s",
        "embedded",
        "reused",
        "points written",
        "points deleted",
        "model s",
        "in model",
        "waited on reads s",
        "CPU s",
        "helpers' CPU s",
        "extract s*",
        "chunk s*",
        "peak RSS MiB",
    ]
    return table(header, rows)


def _share(value: Spread | None) -> str:
    return "-" if value is None else f"{value.median:.0%}"


def _ceiling_table(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    header = [
        "scenario",
        "syncrag s",
        "model alone s",
        "syncrag / model alone",
        "same, CPU s (helpers included)",
        "ceiling's texts = syncrag's",
    ]
    rows = []
    for s in scenarios:
        matches = [r.ceiling_texts_match for r in s.rounds if r.ceiling_texts_match is not None]
        rows.append(
            [
                s.scenario,
                spread_seconds(s.over(lambda r: r.syncrag.seconds)),
                spread_seconds(s.over(lambda r: r.ceiling_seconds)),
                spread_times(s.over(lambda r: r.ceiling_ratio)),
                spread_times(s.over(lambda r: r.ceiling_cpu_ratio)),
                f"{sum(matches)} of {len(matches)} rounds" if matches else "-",
            ]
        )
    return table(header, rows)


def _peers_table(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    header = [
        "scenario",
        "system",
        "s",
        "embedded",
        "its time / syncrag's",
        "CPU s",
        "deleted docs' points left",
    ]
    rows: list[list[str]] = []
    for s in scenarios:
        rows.append(
            [
                s.scenario,
                "syncrag",
                spread_seconds(s.over(lambda r: r.syncrag.seconds)),
                s.counts(lambda r: r.syncrag.embeddings),
                "1x",
                spread_seconds(s.over(lambda r: r.syncrag.total_cpu_seconds)),
                s.counts(lambda r: r.syncrag.deleted_points_left),
            ]
        )
        for key in s.peer_keys():
            runs = s.peer_runs(key)
            cached = any(p.cached_vectors for p in runs)
            rows.append(
                [
                    s.scenario,
                    s.peer_settings(key),
                    "(syncrag's vectors)"
                    if cached
                    else spread_seconds(
                        s.over(lambda r, k=key: p.seconds if (p := r.peer(k)) else None)
                    ),
                    s.counts(lambda r, k=key: p.embeddings if (p := r.peer(k)) else None),
                    spread_times(s.over(lambda r, k=key: r.speedup_over(k))),
                    "-"
                    if cached
                    else spread_seconds(
                        s.over(lambda r, k=key: p.cpu_seconds if (p := r.peer(k)) else None)
                    ),
                    s.counts(lambda r, k=key: p.deleted_points_left if (p := r.peer(k)) else None),
                ]
            )
    return table(header, rows)


def _rounds_table(scenarios: Sequence[ScenarioSummary]) -> list[str]:
    """Per round: the order the systems ran in, and the load average as each scenario began."""
    if not scenarios:
        return []
    header = ["round", "order", *(f"load at {s.scenario}" for s in scenarios)]
    rows = []
    for number in range(max(len(s.rounds) for s in scenarios)):
        measured = {s.scenario: r for s in scenarios for r in s.rounds if r.round == number}
        order = next((r.order for r in measured.values() if r.order), [])
        loads = [
            "-"
            if (r := measured.get(s.scenario)) is None or r.load_average is None
            else f"{r.load_average:.2f}"
            for s in scenarios
        ]
        rows.append([str(number + 1), ", ".join(order), *loads])
    return table(header, rows)


def _memory_section(results: BenchResults) -> list[str]:
    lines = ["## Memory: 10x the corpus", ""]
    if not results.memory:
        return [*lines, results.memory_note or "Not run."]
    rows = [
        [
            f"{run.scale}x",
            str(run.documents),
            str(run.chunks),
            seconds(run.seconds),
            f"{run.peak_rss_mib:.0f}",
            run.embedder,
        ]
        for run in results.memory
    ]
    lines += table(["scale", "documents", "chunks", "seconds", "peak RSS MiB", "embedder"], rows)
    lines += ["", MEMORY_METHOD]
    if any(run.embedder == "fake" for run in results.memory):
        lines.append(FAKE_EMBEDDER_NOTE)
    if results.memory_note:
        lines += ["", results.memory_note]
    return lines


def _latency_section(results: BenchResults) -> list[str]:
    lines = ["## Change-to-searchable latency", ""]
    latency = results.latency
    if latency is None:
        return [*lines, "Not run."]
    samples = ", ".join(f"{x:.1f}" for x in latency.samples) or "none"
    lines += [
        f"- Method: {latency.method}",
        f"- p50 {seconds(latency.p50)} s, p95 {seconds(latency.p95)} s over "
        f"{len(latency.samples)} changes ({latency.timeouts} timed out)",
        f"- Samples (s): {samples}",
    ]
    if latency.phases:
        hops = ", ".join(
            f"{PHASE_LABELS.get(name, name)} {seconds(value)}"
            for name, value in latency.phases.items()
        )
        lines.append(
            f"- Median seconds per hop ({latency.phases_matched} changes matched to their "
            f"webhook and run): {hops}"
        )
    lines += [f"- {note}" for note in latency.notes]
    return lines


def _targets_table(targets: Sequence[TargetResult]) -> list[str]:
    rows = [
        [
            t.name,
            "-" if t.measured is None else f"{t.measured:.3g}",
            t.bound,
            verdict(t.met),
            t.detail,
        ]
        for t in targets
    ]
    return table(["target", "measured", "bound", "verdict", "detail"], rows)
