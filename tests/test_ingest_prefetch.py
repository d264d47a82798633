"""The reader thread's hand-over: ready items go to the model at once, in order, none lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ingest.prefetch import Prefetcher


def one(_: int) -> int:
    return 1


def drain(ahead: Prefetcher[int], *, max_items: int = 100, max_weight: int = 100) -> list[int]:
    taken: list[int] = []
    while group := ahead.take(max_items=max_items, max_weight=max_weight, weight=one):
        taken.extend(group)
    return taken


def test_every_item_arrives_once_in_order() -> None:
    with Prefetcher(iter(range(1000)), capacity=7) as ahead:
        assert drain(ahead, max_items=13) == list(range(1000))
        assert ahead.take(max_items=5, max_weight=5, weight=one) == []


def test_a_group_stops_at_the_item_or_weight_bound() -> None:
    produced = threading.Event()

    def items() -> Iterator[int]:
        yield from range(10)
        produced.set()

    with Prefetcher(items(), capacity=20) as ahead:
        assert produced.wait(10)
        assert ahead.take(max_items=4, max_weight=100, weight=one) == [0, 1, 2, 3]
        # Weights 4+5 reach 9: the group closes after the item that reaches the bound.
        assert ahead.take(max_items=100, max_weight=9, weight=lambda n: n) == [4, 5]
        # The first item is taken however heavy it is.
        assert ahead.take(max_items=100, max_weight=1, weight=lambda n: n * 100) == [6]
        assert drain(ahead) == [7, 8, 9]


def test_the_first_item_is_handed_over_before_the_next_is_read() -> None:
    # The consumer gets item 0 while the reader is still stuck on item 1: the model never waits
    # for a whole batch to be read.
    consumer_has_first = threading.Event()

    def items() -> Iterator[int]:
        yield 0
        assert consumer_has_first.wait(10), "the consumer never got the first item"
        yield 1

    with Prefetcher(items(), capacity=10) as ahead:
        assert ahead.take(max_items=10, max_weight=10, weight=one) == [0]
        consumer_has_first.set()
        assert drain(ahead) == [1]


def test_an_error_in_the_reader_reaches_the_consumer_after_what_was_read() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("state DB went away")

    with Prefetcher(items(), capacity=10) as ahead:
        taken = []
        with pytest.raises(ConnectionError, match="state DB went away"):
            while True:
                taken.extend(ahead.take(max_items=1, max_weight=1, weight=one))
        assert taken == [1, 2]


def test_leaving_early_stops_the_reader() -> None:
    read: list[int] = []

    def items() -> Iterator[int]:
        for n in range(10_000):
            read.append(n)
            yield n

    with Prefetcher(items(), capacity=3) as ahead:
        assert ahead.take(max_items=1, max_weight=1, weight=one) == [0]
    # Stopped: it read at most the buffered items, the one it was handing over and one more.
    assert len(read) <= 1 + 3 + 2
    assert not any(t.name == "prefetch" for t in threading.enumerate())


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        Prefetcher(iter(()), capacity=0)


def test_the_reader_stops_while_the_items_ahead_reach_the_weight_bound() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10):
            produced.append(i)
            yield i

    weights = {i: 40 for i in range(10)}
    with Prefetcher(
        items(), capacity=100, max_weight_ahead=100, weigh=weights.__getitem__
    ) as ahead:
        for _ in range(1000):
            if len(produced) >= 3:
                break
            threading.Event().wait(0.01)
        threading.Event().wait(0.2)
        # Two items (80) fit the bound; the third was produced and waits to be admitted.
        assert produced == [0, 1, 2]
        assert ahead.take(max_items=1, max_weight=100, weight=one) == [0]
        assert drain(ahead) == list(range(1, 10))


def test_one_item_heavier_than_the_bound_still_passes() -> None:
    with Prefetcher(iter([5, 6]), capacity=4, max_weight_ahead=1, weigh=lambda _: 1000) as ahead:
        assert drain(ahead) == [5, 6]
