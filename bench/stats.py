"""Small statistics for the report: percentiles by linear interpolation (numpy's default)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) of `samples`, interpolating between ranks; None if empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile lies between 0 and 100, got {q}")
    if not samples:
        return None
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
