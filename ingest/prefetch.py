"""Runs an iterator in a background thread, a bounded number of items ahead of its consumer.

The indexer uses it to download and extract the next records while the current ones are
embedded. Items are handed over as soon as each is ready, so the model starts on the first record
instead of waiting for a whole batch, and later batches take everything that piled up meanwhile.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["Prefetcher"]

T = TypeVar("T")

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class _Ready(Generic[T]):
    item: T
    weight: int


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class _Done:
    pass


_DONE = _Done()


class Prefetcher(Generic[T]):
    """`with Prefetcher(items, capacity=n) as ahead:` iterates `items` in a thread of its own.

    `take()` returns the next group of ready items; an exception raised by the iterator is
    raised again in the consumer. Leaving the block stops the thread (after the item it is on).
    With `max_weight_ahead`, the thread also stops producing while the items waiting weigh that
    much (by `weigh`): memory ahead stays within the bound plus one item, however large items are.
    """

    def __init__(
        self,
        items: Iterator[T],
        *,
        capacity: int,
        name: str = "prefetch",
        max_weight_ahead: int | None = None,
        weigh: Callable[[T], int] | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}.")
        self._items = items
        self._ready: queue.Queue[_Ready[T] | _Failed | _Done] = queue.Queue(maxsize=capacity)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._max_weight_ahead = max_weight_ahead
        self._weigh = weigh
        self._weight_ahead = 0
        self._room = threading.Condition()

    def __enter__(self) -> Prefetcher[T]:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        with self._room:
            self._room.notify_all()
        self._thread.join()

    def take(self, *, max_items: int, max_weight: int, weight: Callable[[T], int]) -> list[T]:
        """The next items: waits for the first, then adds those already ready.

        Stops before `max_items` items or once their total `weight` reaches `max_weight`
        (the first item is always taken, however heavy). An empty list means the iterator is
        exhausted.
        """
        group: list[T] = []
        total = 0
        while not self._finished and len(group) < max_items and total < max_weight:
            try:
                entry = self._ready.get() if not group else self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(entry, _Done):
                self._finished = True
            elif isinstance(entry, _Failed):
                self._finished = True
                raise entry.error
            else:
                self._release(entry.weight)
                group.append(entry.item)
                total += weight(entry.item)
        return group

    def _run(self) -> None:
        try:
            for item in self._items:
                ready = _Ready(item, self._weigh(item) if self._weigh else 0)
                if not self._reserve(ready.weight) or not self._put(ready):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(_Failed(exc))
            return
        self._put(_DONE)

    def _reserve(self, weight: int) -> bool:
        """Waits until the items ahead leave room for `weight` (or none wait); False on stop."""
        limit = self._max_weight_ahead
        with self._room:
            while (
                limit is not None
                and self._weight_ahead > 0
                and self._weight_ahead + weight > limit
                and not self._stop.is_set()
            ):
                self._room.wait(_POLL_SECONDS)
            self._weight_ahead += weight
            return not self._stop.is_set()

    def _release(self, weight: int) -> None:
        with self._room:
            self._weight_ahead -= weight
            self._room.notify_all()

    def _put(self, entry: _Ready[T] | _Failed | _Done) -> bool:
        """Waits for room; False if the consumer left meanwhile."""
        while not self._stop.is_set():
            try:
                self._ready.put(entry, timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False
