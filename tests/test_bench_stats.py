"""bench.stats.percentile: interpolated ranks, the edges, and bad input."""

from __future__ import annotations

import pytest

from bench.stats import percentile


def test_median_of_an_even_count_interpolates_between_the_middle_two() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)


def test_p95_of_twenty_samples_lies_between_the_two_largest() -> None:
    samples = [float(n) for n in range(1, 21)]
    assert percentile(samples, 95) == pytest.approx(19.05)


def test_edges_are_the_minimum_and_maximum() -> None:
    assert percentile([7.0, 3.0, 5.0], 0) == 3.0
    assert percentile([7.0, 3.0, 5.0], 100) == 7.0


def test_no_samples_have_no_percentile() -> None:
    assert percentile([], 50) is None


@pytest.mark.parametrize("q", [-1, 101])
def test_a_percentile_outside_0_to_100_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], q)
