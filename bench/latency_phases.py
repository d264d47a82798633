"""Splits each change's latency into the hops of the path, from the timestamps each hop leaves.

File written -> webhook in the inbox (emulator scan + delivery) -> run created (the sensor's
interval and tick) -> run started (queue, process start, code loading) -> searchable (the run:
pull, model load, embed, store).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.stats import percentile

PHASES = ("to_inbox", "to_run_created", "to_run_started", "to_searchable")


@dataclass(frozen=True)
class ChangeTiming:
    """Wall-clock epoch seconds: when the file was written and when a search first found it."""

    written_at: float
    found_at: float


@dataclass(frozen=True)
class RunTiming:
    """Epoch seconds of one Dagster run: created (by the sensor) and started (None if never)."""

    created_at: float
    started_at: float | None


def split_phases(
    changes: Sequence[ChangeTiming], inbox: Sequence[float], runs: Sequence[RunTiming]
) -> dict[str, list[float]]:
    """Per phase, the seconds each change spent in it.

    A change is matched to the first inbox event received after it was written and to the first
    run created after that event; changes with no such event or run are left out.
    """
    events = sorted(inbox)
    ordered = sorted(runs, key=lambda r: r.created_at)
    phases: dict[str, list[float]] = {name: [] for name in PHASES}
    for change in changes:
        event = next((t for t in events if t >= change.written_at), None)
        if event is None or event > change.found_at:
            continue
        run = next((r for r in ordered if r.created_at >= event), None)
        if run is None or run.started_at is None or run.started_at > change.found_at:
            continue
        phases["to_inbox"].append(event - change.written_at)
        phases["to_run_created"].append(run.created_at - event)
        phases["to_run_started"].append(run.started_at - run.created_at)
        phases["to_searchable"].append(change.found_at - run.started_at)
    return phases


def phase_medians(phases: dict[str, list[float]]) -> dict[str, float | None]:
    return {name: percentile(values, 50) for name, values in phases.items()}
