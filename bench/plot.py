"""One small PNG per run: time and embeddings per scenario side by side, and latency samples."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a benchmark machine

import matplotlib.pyplot as plt

from bench.results import BenchResults, ScenarioResult

SERIES = ("syncrag", "model alone (ceiling)", "LangChain b=100", "LangChain b=1000")
COLOURS = ("#1f77b4", "#7f7f7f", "#d62728", "#ff9896")
MISSING = float("nan")  # matplotlib draws no bar for NaN


def _times(s: ScenarioResult) -> list[float]:
    peers = [s.peer(100), s.peer(1000)]
    ceiling = s.ceiling_seconds if s.ceiling_seconds is not None else MISSING
    return [s.syncrag.seconds, ceiling] + [p.seconds if p else MISSING for p in peers]


def _embeddings(s: ScenarioResult) -> list[float]:
    # The ceiling embeds exactly syncrag's texts by construction: no bar of its own.
    peers = [s.peer(100), s.peer(1000)]
    return [float(s.syncrag.embeddings), MISSING] + [
        float(p.embeddings) if p else MISSING for p in peers
    ]


def write_plot(results: BenchResults, path: Path) -> None:
    """Bars of wall time and of embeddings per scenario of the first corpus, plus latency."""
    corpus = results.scenarios[0].corpus if results.scenarios else None
    scenarios = [s for s in results.scenarios if s.corpus == corpus]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=80)
    width = 0.2
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
                [p + (k - 1.5) * width for p in positions],
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
