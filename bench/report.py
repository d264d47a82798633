"""The results as Markdown: per-corpus scenario tables, memory, latency, targets and notes."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results import BenchResults, ScenarioResult, TargetResult

PEER_BATCHES = (100, 1000)
EXTRACT_CHUNK_NOTE = (
    "\\* Measured apart, single-threaded: extracting the documents the scenario changed (to "
    "hand the peers their input), and chunking every live document (inside the b=100 peer, "
    "which re-splits all of them on every pass). syncrag extracts and chunks only changed "
    "documents, in its reader thread, overlapped with embedding: in the initial row both "
    "columns are the non-model work syncrag overlaps with the model."
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
    for corpus in dict.fromkeys(s.corpus for s in results.scenarios):
        scenarios = [s for s in results.scenarios if s.corpus == corpus]
        lines += [f"## Scenarios: {corpus}", "", results.corpora.get(corpus, ""), ""]
        lines += [*_syncrag_table(scenarios), "", EXTRACT_CHUNK_NOTE, ""]
        lines += [*_side_by_side_table(scenarios), ""]
    for corpus, note in results.corpora.items():
        if corpus not in {s.corpus for s in results.scenarios}:
            lines += [f"## Scenarios: {corpus}", "", f"Skipped: {note}", ""]
    lines += [*_memory_section(results), ""]
    lines += [*_latency_section(results), ""]
    lines += ["## Targets", "", *_targets_table(results.targets), ""]
    if results.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in results.notes] + [""]
    return "\n".join(lines)


def _syncrag_table(scenarios: Sequence[ScenarioResult]) -> list[str]:
    rows = [
        [
            s.scenario,
            str(s.documents_changed),
            seconds(s.syncrag.seconds),
            str(s.syncrag.embeddings),
            str(s.syncrag.chunks_reused),
            str(s.syncrag.points_upserted),
            str(s.syncrag.points_deleted),
            seconds(s.syncrag.model_seconds),
            f"{s.syncrag.model_share:.0%}" if s.syncrag.model_share is not None else "-",
            seconds(s.syncrag.seconds_reading),
            seconds(s.extraction_seconds),
            seconds(peer.split_seconds) if (peer := s.peer(100)) else "-",
            f"{s.syncrag.peak_rss_mib:.0f}",
            "-" if s.load_average is None else f"{s.load_average:.1f}",
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
        "extract s*",
        "chunk s*",
        "peak RSS MiB",
        "load (1 min)",
    ]
    return table(header, rows)


def _side_by_side_table(scenarios: Sequence[ScenarioResult]) -> list[str]:
    header = ["scenario", "syncrag s", "ceiling s", "syncrag / ceiling", "same, CPU s"]
    for batch in PEER_BATCHES:
        header += [f"LangChain b={batch} s", "its embeddings", "speed-up"]
    header.append("deleted docs' points left (syncrag / b=100 / b=1000)")
    rows: list[list[str]] = []
    for s in scenarios:
        row = [
            s.scenario,
            seconds(s.syncrag.seconds),
            seconds(s.ceiling_seconds),
            times(s.ceiling_ratio),
            times(s.ceiling_cpu_ratio),
        ]
        for batch in PEER_BATCHES:
            peer = s.peer(batch)
            row += (
                [seconds(peer.seconds), str(peer.embeddings), times(s.speedup_over(batch))]
                if peer
                else ["-", "-", "-"]
            )
        left = [s.syncrag.deleted_points_left] + [
            p.deleted_points_left for b in PEER_BATCHES if (p := s.peer(b))
        ]
        row.append(" / ".join("-" if n is None else str(n) for n in left))
        rows.append(row)
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
