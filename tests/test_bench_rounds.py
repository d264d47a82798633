"""bench.rounds and bench.summary: the order of each round, and medians over rounds."""

from __future__ import annotations

import pytest

from bench.rounds import round_order, spread
from bench.summary import summarise
from tests.test_bench_targets import results


def test_rounds_alternate_the_order_and_rotate_every_second_round() -> None:
    systems = ["syncrag", "ceiling", "a", "b"]

    orders = [round_order(systems, n) for n in range(4)]

    assert orders[0] == systems
    assert orders[1] == ["b", "a", "ceiling", "syncrag"]
    assert orders[2] == ["ceiling", "a", "b", "syncrag"]
    assert orders[3] == ["syncrag", "b", "a", "ceiling"]
    assert all(sorted(order) == sorted(systems) for order in orders)
    assert round_order([], 3) == []


def test_a_spread_is_the_median_and_range_of_what_was_measured() -> None:
    measured = spread([3.0, None, 1.0, 2.0])

    assert measured is not None
    assert (measured.median, measured.low, measured.high, measured.count) == (2.0, 1.0, 3.0, 3)
    assert measured.text("x") == "2.00x [1.00-3.00]"
    assert spread([None]) is None
    single = spread([1.5])
    assert single is not None and single.text(" s", 1) == "1.5 s"


def test_summaries_group_the_rounds_of_each_scenario_in_round_order() -> None:
    run = results()
    later = run.scenarios[0]
    earlier = type(later)(**{**vars(later), "round": 0})
    later.round = 1
    run.scenarios.append(earlier)

    [initial, *others] = summarise(run.scenarios)

    assert initial.scenario == "initial" and [r.round for r in initial.rounds] == [0, 1]
    assert [s.scenario for s in others] == ["no_change", "edit_1pct", "top_insert", "delete_5pct"]
    ratio = initial.over(lambda r: r.ceiling_ratio)
    assert ratio is not None and ratio.median == pytest.approx(1.05)
    assert initial.counts(lambda r: r.syncrag.embeddings) == "1000"
