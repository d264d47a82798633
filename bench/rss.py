"""Peak resident memory of this process during a block, sampled by a background thread."""

from __future__ import annotations

import threading
from types import TracebackType

import psutil

MIB = 1024 * 1024


class PeakRss:
    """`with PeakRss() as peak: ...` then `peak.mib`: the highest RSS seen during the block.

    Sampling every `interval` seconds can miss a spike shorter than that; the process's
    lifetime peak (`resource.getrusage`) cannot be reset, so it cannot serve per step.
    """

    def __init__(self, interval: float = 0.02) -> None:
        self._interval = interval
        self._process = psutil.Process()
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-rss", daemon=True)

    @property
    def mib(self) -> float:
        return self._peak / MIB

    def _read(self) -> None:
        self._peak = max(self._peak, self._process.memory_info().rss)

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self._read()

    def __enter__(self) -> PeakRss:
        self._read()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
