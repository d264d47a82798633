"""What `python -m bench scale` measured, judged against issue 10's targets (JSON, Markdown)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

MB = 1024 * 1024
RUNS_PER_1000_USERS = 40
FIXED_CPU_PER_CHANGE_S = 0.2
P50_AT_100_USERS_S = 10.0
TICK_AT_SCALE_S = 1.0


@dataclass
class ScaleResult:
    """One burst of one change per user through the live stack."""

    users: int
    docs_per_user: int
    backend: str
    instance: str
    initial_ingest_s: float
    initial_runs: int
    runs: int
    runs_by_status: dict[str, int]
    users_per_run: list[int]
    run_seconds_p50: float | None
    wall_s: float
    p50_s: float | None
    p95_s: float | None
    cpu_s: dict[str, float]  # per role: daemon, code_server, run, other
    model_cpu_s: float
    peak_rss: dict[str, int]
    processes: dict[str, int]
    tick_p50_s: float | None
    tick_max_s: float | None
    ticks: int
    ticks_with_runs: int
    searchable: int
    notes: list[str] = field(default_factory=list)

    @property
    def cpu_per_change_s(self) -> float:
        return sum(self.cpu_s.values()) / self.users

    @property
    def fixed_cpu_per_change_s(self) -> float:
        """CPU per user-change beyond what the model alone spends on the same texts."""
        return (sum(self.cpu_s.values()) - self.model_cpu_s) / self.users


@dataclass(frozen=True)
class Verdict:
    """One of the issue's targets: the bound, the figure it is judged by, met or not."""

    target: str
    measured: str
    met: bool | None


def runs_bound(users: int) -> int:
    """The issue's run budget (40 runs at 1,000 users), pro rata for another user count,
    and never below one run."""
    return max(1, math.ceil(RUNS_PER_1000_USERS * users / 1000))


def verdicts(
    bursts: list[ScaleResult], tick_seconds: float | None, tick_scale: str
) -> list[Verdict]:
    """Each target judged by the runs that speak to it; None where nothing measured it."""
    out: list[Verdict] = []
    for burst in bursts:
        bound = runs_bound(burst.users)
        out.append(
            Verdict(
                f"runs for {burst.users} users, one change each: at most {bound:g} (40 per 1,000)",
                f"{burst.runs}",
                burst.runs <= bound,
            )
        )
        out.append(
            Verdict(
                f"fixed CPU per user-change at {burst.users} users: at most "
                f"{FIXED_CPU_PER_CHANGE_S} s",
                f"{burst.fixed_cpu_per_change_s:.3f} s",
                burst.fixed_cpu_per_change_s <= FIXED_CPU_PER_CHANGE_S,
            )
        )
        if burst.users == 100 and burst.p50_s is not None:
            out.append(
                Verdict(
                    f"p50 change-to-searchable at 100 users: under {P50_AT_100_USERS_S:g} s",
                    f"{burst.p50_s:.1f} s",
                    burst.p50_s < P50_AT_100_USERS_S,
                )
            )
    out.append(
        Verdict(
            f"sensor tick at {tick_scale}: under {TICK_AT_SCALE_S:g} s",
            "-" if tick_seconds is None else f"{tick_seconds:.2f} s",
            None if tick_seconds is None else tick_seconds < TICK_AT_SCALE_S,
        )
    )
    return out


def to_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def burst_json(burst: ScaleResult) -> dict[str, Any]:
    return {
        **asdict(burst),
        "cpu_per_change_s": burst.cpu_per_change_s,
        "fixed_cpu_per_change_s": burst.fixed_cpu_per_change_s,
    }


def _s(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def burst_table(bursts: list[ScaleResult]) -> list[str]:
    lines = [
        "| users x docs | instance | runs (burst) | wall to absorb | p50 / p95 change-to-searchable"
        " | CPU-s per change (model alone) | sensor tick p50 / max | peak RSS daemon / code"
        " server / run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for b in bursts:
        rss = " / ".join(
            f"{b.peak_rss.get(r, 0) / MB:.0f}" for r in ("daemon", "code_server", "run")
        )
        lines.append(
            f"| {b.users} x {b.docs_per_user} | {b.instance} | {b.runs} | {b.wall_s:.1f} s "
            f"| {_s(b.p50_s)} / {_s(b.p95_s)} s | {b.cpu_per_change_s:.3f} "
            f"({b.model_cpu_s / b.users:.4f}) | {_s(b.tick_p50_s, 2)} / {_s(b.tick_max_s, 2)} s "
            f"| {rss} MB |"
        )
    return lines


def verdict_table(items: list[Verdict]) -> list[str]:
    lines = ["| target | measured | |", "|---|---|---|"]
    for v in items:
        word = {True: "met", False: "**not met**", None: "not measured"}[v.met]
        lines.append(f"| {v.target} | {v.measured} | {word} |")
    return lines
