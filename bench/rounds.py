"""Rounds of a run: the order the systems take in each, and the median and spread over rounds.

Each round measures every system once per scenario, in an order that changes from round to
round (as given, then reversed, then rotated by one and so on), so that a system is not always
the one measured right after the model warmed the caches, or while other work came or went.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """The median of some per-round values, their lowest and highest, and how many there were."""

    median: float
    low: float
    high: float
    count: int

    def text(self, unit: str = "", digits: int = 2) -> str:
        """`1.05x [1.01-1.12]`: the median, then the range when there was more than one value."""
        median = f"{self.median:.{digits}f}{unit}"
        if self.count < 2:
            return median
        return f"{median} [{self.low:.{digits}f}-{self.high:.{digits}f}]"


def spread(values: Iterable[float | None]) -> Spread | None:
    """The Spread of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return Spread(statistics.median(present), min(present), max(present), len(present))


def round_order(systems: Sequence[str], number: int) -> list[str]:
    """The order of `systems` in round `number` (0-based): rounds 0 and 1 as given and reversed,
    rounds 2 and 3 rotated by one, as given and reversed, and so on."""
    if not systems:
        return []
    shift = (number // 2) % len(systems)
    rotated = [*systems[shift:], *systems[:shift]]
    return rotated[::-1] if number % 2 else rotated
