"""What a benchmark run measured, as plain dataclasses that serialise to the results JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.peer import PeerRun


@dataclass
class SyncragRun:
    """syncrag's pull + (reconcile +) index pass over every user for one scenario."""

    seconds: float
    embeddings: int
    chunks_total: int
    chunks_reused: int
    points_upserted: int
    points_deleted: int
    records_pulled: int
    records_indexed: int
    records_errored: int
    records_purged: int
    model_seconds: float
    seconds_reading: float
    seconds_storing: float
    peak_rss_mib: float
    deleted_points_left: int | None = None
    # CPU seconds of the bench process during the pass (every thread).
    cpu_seconds: float | None = None
    # CPU seconds of its helper processes during the pass: the extraction worker and the
    # emulator serving the downloads (see bench.helper_cpu); counted on syncrag's side.
    helper_cpu_seconds: float | None = None

    @property
    def total_cpu_seconds(self) -> float | None:
        """This process's CPU seconds plus its helpers'."""
        if self.cpu_seconds is None:
            return None
        return self.cpu_seconds + (self.helper_cpu_seconds or 0.0)

    @property
    def model_share(self) -> float | None:
        """Share of the wall time spent inside the model."""
        return self.model_seconds / self.seconds if self.seconds > 0 else None


@dataclass
class ScenarioResult:
    """One scenario on one corpus: syncrag, the model-alone ceiling and the peers."""

    corpus: str
    scenario: str
    description: str
    documents_changed: int
    syncrag: SyncragRun
    ceiling_seconds: float | None
    peers: list[PeerRun] = field(default_factory=list)
    # The 1-minute load average as syncrag's pass began: the cores are shared, so this says
    # how much other work competed with the measurement.
    load_average: float | None = None
    ceiling_cpu_seconds: float | None = None
    # Extracting the documents the scenario changed, single-threaded, apart from syncrag's pass
    # (done to hand the peers their input): the part of syncrag's work that is not the model.
    extraction_seconds: float | None = None
    # Which round of the run this is (0-based) and the order the systems ran in within it.
    round: int = 0
    order: list[str] = field(default_factory=list)
    # Whether the ceiling embedded exactly the texts syncrag embedded in this round (it replays
    # an earlier round's texts when it runs first); None when there was no ceiling.
    ceiling_texts_match: bool | None = None

    @property
    def ceiling_ratio(self) -> float | None:
        """syncrag's wall time over the model-alone time for the same texts."""
        return ratio(self.syncrag.seconds, self.ceiling_seconds)

    @property
    def ceiling_cpu_ratio(self) -> float | None:
        """The same in CPU seconds (syncrag's helpers included): less swayed by other work on
        shared cores than wall time."""
        return ratio(self.syncrag.total_cpu_seconds, self.ceiling_cpu_seconds)

    def peer(self, key: str) -> PeerRun | None:
        return next((p for p in self.peers if p.key == key), None)

    def speedup_over(self, key: str) -> float | None:
        """How many times faster syncrag was than the peer `key` (None if its time is not a
        measurement: vectors served from a cache)."""
        peer = self.peer(key)
        if peer is None or peer.cached_vectors:
            return None
        return ratio(peer.seconds, self.syncrag.seconds)


@dataclass
class MemoryRun:
    """Peak RSS of a fresh process that ingests a corpus of some scale."""

    scale: int
    documents: int
    chunks: int
    seconds: float
    peak_rss_mib: float
    embedder: str


@dataclass
class LatencyResult:
    """Change-to-searchable latency samples and how they were taken."""

    method: str
    samples: list[float]
    timeouts: int
    p50: float | None
    p95: float | None
    notes: list[str] = field(default_factory=list)
    # Median seconds per hop (see bench.latency_phases) over the changes that could be matched.
    phases: dict[str, float | None] = field(default_factory=dict)
    phases_matched: int = 0


@dataclass
class TargetResult:
    """One target of the issue: the measured value, the bound and whether it was met."""

    name: str
    measured: float | None
    bound: str
    met: bool | None
    detail: str = ""


@dataclass
class BenchResults:
    """Everything one `python -m bench` run produced."""

    started_at: str
    command: str
    mode: str
    machine: dict[str, Any]
    config: dict[str, Any]
    corpora: dict[str, str] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    memory: list[MemoryRun] = field(default_factory=list)
    memory_note: str = ""
    latency: LatencyResult | None = None
    targets: list[TargetResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def scenario(self, corpus: str, name: str) -> ScenarioResult | None:
        return next((s for s in self.scenarios if s.corpus == corpus and s.scenario == name), None)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=False) + "\n"

    def write_json(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_json(cls, text: str) -> BenchResults:
        """The results a run wrote with `to_json`, to render them again."""
        data = json.loads(text)
        data["scenarios"] = [
            ScenarioResult(
                **{
                    **s,
                    "syncrag": SyncragRun(**s["syncrag"]),
                    "peers": [PeerRun(**p) for p in s["peers"]],
                }
            )
            for s in data["scenarios"]
        ]
        data["memory"] = [MemoryRun(**m) for m in data["memory"]]
        data["latency"] = LatencyResult(**data["latency"]) if data["latency"] else None
        data["targets"] = [TargetResult(**t) for t in data["targets"]]
        return cls(**data)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator
