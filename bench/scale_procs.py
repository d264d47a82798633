"""CPU seconds and peak RSS of a Dagster daemon and everything it starts (its code server, the
run processes, their extraction workers), sampled with psutil from a thread of the bench."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import psutil

SAMPLE_INTERVAL_S = 0.2
ROLES = ("daemon", "code_server", "run", "run_worker", "other")


def process_role(cmdline: Sequence[str], parent_role: str | None) -> str:
    """What a process of the daemon's tree is, from its command line and its parent's role:
    the code server starts each run as a multiprocessing child, and a run its extraction
    worker the same way, so their command lines do not say what they are."""
    line = " ".join(cmdline)
    if "dagster-daemon" in line:
        return "daemon"
    if "api grpc" in line or "code-server" in line:
        return "code_server"
    if parent_role == "code_server":
        return "run"
    if parent_role in ("run", "run_worker"):
        return "run_worker"
    return "other"


@dataclass
class ProcessSeen:
    """One process as last sampled: its role, CPU seconds (user + system, its own threads,
    not its children's) and the largest resident set seen."""

    role: str
    cpu_s: float
    peak_rss: int


@dataclass
class CpuWindow:
    """CPU seconds per role spent between two moments, and the peak RSS per role seen."""

    cpu_s: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)

    @property
    def total_cpu_s(self) -> float:
        return sum(self.cpu_s.values())


def window(
    before: dict[tuple[int, float], ProcessSeen], after: dict[tuple[int, float], ProcessSeen]
) -> CpuWindow:
    """What the processes of `after` spent since `before` (a process new since then counts
    whole); keys are (pid, create time), so a reused pid is another process."""
    result = CpuWindow()
    for key, seen in after.items():
        spent = seen.cpu_s - (before[key].cpu_s if key in before else 0.0)
        if spent <= 0 and key in before:
            continue
        result.cpu_s[seen.role] = result.cpu_s.get(seen.role, 0.0) + max(spent, 0.0)
        result.peak_rss[seen.role] = max(result.peak_rss.get(seen.role, 0), seen.peak_rss)
        result.processes[seen.role] = result.processes.get(seen.role, 0) + (key not in before)
    return result


class TreeSampler:
    """Samples the process tree under `root_pid` every SAMPLE_INTERVAL_S until stopped.

    A process that ends between two samples loses its last interval at most; processes that
    live less than an interval are missed. Runs live seconds, so both are small.
    """

    def __init__(self, root_pid: int) -> None:
        self._root = psutil.Process(root_pid)
        self._seen: dict[tuple[int, float], ProcessSeen] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def snapshot(self) -> dict[tuple[int, float], ProcessSeen]:
        """Every process seen so far, as last sampled (a fresh sample first)."""
        self.sample()
        with self._lock:
            return {key: ProcessSeen(s.role, s.cpu_s, s.peak_rss) for key, s in self._seen.items()}

    def sample(self) -> None:
        try:
            tree = [self._root, *self._root.children(recursive=True)]
        except psutil.Error:
            return
        roles: dict[int, str] = {}
        for process in tree:  # parents before their children
            try:
                with process.oneshot():
                    key = (process.pid, process.create_time())
                    times = process.cpu_times()
                    rss = process.memory_info().rss
                    parent = process.ppid()
                    cmdline = process.cmdline() if key not in self._seen else []
            except psutil.Error:
                continue
            with self._lock:
                seen = self._seen.get(key)
                if seen is None:
                    role = process_role(cmdline, roles.get(parent))
                    self._seen[key] = ProcessSeen(role, times.user + times.system, rss)
                    roles[process.pid] = role
                else:
                    roles[process.pid] = seen.role
                    seen.cpu_s = times.user + times.system
                    seen.peak_rss = max(seen.peak_rss, rss)

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            self.sample()
