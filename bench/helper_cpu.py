"""CPU seconds of this process and of its helper processes, over a timed block.

syncrag's pass does work in other processes: the extraction worker (`resources.text.worker`, a
child of this process) and the Sync API emulator (a child too, serving downloads). Their CPU
belongs to syncrag's side of a comparison; the model alone and the peers run in this process.
Children still alive are read through psutil; children that exited and were reaped during the
block are in `os.times()`'s children fields.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds so far: this process (all threads) and its helpers."""

    own: float
    helpers: float


def _children_seconds() -> float:
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += times.user + times.system
    reaped = os.times()
    return total + reaped.children_user + reaped.children_system


def sample() -> CpuSample:
    return CpuSample(own=time.process_time(), helpers=_children_seconds())


def since(start: CpuSample) -> CpuSample:
    """CPU seconds spent since `start`; a helper that died unreaped is lost (never below 0)."""
    now = sample()
    return CpuSample(own=now.own - start.own, helpers=max(0.0, now.helpers - start.helpers))
