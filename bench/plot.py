"""One small PNG per run: time and embeddings per scenario side by side, and latency samples."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a benchmark machine

import matplotlib.pyplot as plt

from bench.peer_set import LANGCHAIN_FULL, LANGCHAIN_INCREMENTAL, LLAMAINDEX
from bench.results import BenchResults
from bench.rounds import Spread
from bench.summary import ScenarioSummary, summarise

SERIES = (
    "syncrag",
    "model alone (ceiling)",
    'LangChain cleanup="full"',
    "LlamaIndex UPSERTS_AND_DELETE",
    'LangChain cleanup="incremental"',
)
PEERS = (LANGCHAIN_FULL, LLAMAINDEX, LANGCHAIN_INCREMENTAL)
COLOURS = ("#1f77b4", "#7f7f7f", "#d62728", "#2ca02c", "#ff9896")
MISSING = float("nan")  # matplotlib draws no bar for NaN


def _median(value: Spread | None) -> float:
    return MISSING if value is None else value.median


def _times(s: ScenarioSummary) -> list[float]:
    row = [
        _median(s.over(lambda r: r.syncrag.seconds)),
        _median(s.over(lambda r: r.ceiling_seconds)),
    ]
    for key in PEERS:
        row.append(
            _median(
                s.over(
                    lambda r, k=key: (
                        p.seconds if (p := r.peer(k)) is not None and not p.cached_vectors else None
                    )
                )
            )
        )
    return row


def _embeddings(s: ScenarioSummary) -> list[float]:
    # The ceiling embeds exactly syncrag's texts by construction: no bar of its own.
    row = [_median(s.over(lambda r: float(r.syncrag.embeddings))), MISSING]
    for key in PEERS:
        row.append(
            _median(s.over(lambda r, k=key: float(p.embeddings) if (p := r.peer(k)) else None))
        )
    return row


def write_plot(results: BenchResults, path: Path) -> None:
    """Bars of wall time and of embeddings per scenario of the first corpus, plus latency."""
    summaries = summarise(results.scenarios)
    corpus = summaries[0].corpus if summaries else None
    scenarios = [s for s in summaries if s.corpus == corpus]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=80)
    width = 0.16
    positions = range(len(scenarios))
    for panel, (title, values, log) in enumerate(
        (
            ("wall time (s, log)", [_times(s) for s in scenarios], True),
            ("chunks embedded (symlog)", [_embeddings(s) for s in scenarios], False),
        )
    ):
        axis = axes[panel]
        for k, (name, colour) in enumerate(zip(SERIES, COLOURS, strict=True)):
            axis.bar(
                [p + (k - 2) * width for p in positions],
                [row[k] for row in values],
                width,
                label=name,
                color=colour,
            )
        axis.set_xticks(list(positions), [s.scenario for s in scenarios], rotation=20)
        axis.set_title(f"{corpus}: {title}")
        if log:
            axis.set_yscale("log")
        else:
            axis.set_yscale("symlog", linthresh=1)
    axes[0].legend(fontsize=8)
    latency = results.latency
    axis = axes[2]
    if latency is not None and latency.samples:
        axis.plot(range(1, len(latency.samples) + 1), latency.samples, "o-", color=COLOURS[0])
        if latency.p50 is not None:
            axis.axhline(
                latency.p50, color="black", linestyle="--", label=f"p50 {latency.p50:.1f} s"
            )
        axis.axhline(10, color="#2ca02c", linestyle=":", label="aim 10 s")
        axis.set_xlabel("change")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=8)
    else:
        axis.text(0.5, 0.5, "latency not measured", ha="center", va="center")
    axis.set_title("change-to-searchable (s)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
