"""Progress of a user's ingest run, read from the state DB while the run works.

A run executes in this process but reports only when it ends; the ledger, though, changes as it
goes (records pulled become pending, then indexed or errored), and SQLite's WAL and PostgreSQL
let a second connection read it meanwhile. A background thread reads the user's counts every
half second and hands them to a callback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

from resources.state import RecordState, StateStore, StateStoreError

_INTERVAL_SECONDS = 0.5


@dataclass(frozen=True)
class RecordCounts:
    """How far a user's records are: done (indexed or errored) of all records still synced."""

    done: int
    total: int

    @classmethod
    def from_states(cls, by_sync: Mapping[str, Mapping[str, int]]) -> RecordCounts:
        done = total = 0
        for states in by_sync.values():
            done += states.get(RecordState.INDEXED, 0) + states.get(RecordState.ERRORED, 0)
            total += sum(n for state, n in states.items() if state != RecordState.PURGED)
        return cls(done=done, total=total)

    def describe(self) -> str:
        return f"{self.done} of {self.total} records indexed or errored"


def read_counts(store: StateStore, user_id: str) -> RecordCounts:
    """The user's counts now."""
    return RecordCounts.from_states(store.counts_by_state(user_id))


class RecordProgress:
    """`with RecordProgress(store, user, on_counts):` calls `on_counts` with the user's counts
    every half second while the block runs, and once more at its end."""

    def __init__(
        self,
        store: StateStore,
        user_id: str,
        on_counts: Callable[[RecordCounts], None],
        *,
        interval: float = _INTERVAL_SECONDS,
    ) -> None:
        self._store = store
        self._user_id = user_id
        self._on_counts = on_counts
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="ingest-progress", daemon=True)

    def __enter__(self) -> RecordProgress:
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
        self._report()

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            self._report()

    def _report(self) -> None:
        try:
            counts = read_counts(self._store, self._user_id)
        except (StateStoreError, SQLAlchemyError):
            return  # progress is a courtesy: a read that failed skips a beat
        self._on_counts(counts)


def progress_bar(console: Console, *, transient: bool = False) -> Progress:
    """The progress display of ingest runs: a spinner, what is going on, a bar, the time taken."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        TimeElapsedColumn(),
        console=console,
        transient=transient,
    )


@contextmanager
def user_progress(progress: Progress, store: StateStore, user_id: str) -> Iterator[None]:
    """One line of `progress` for the length of the block: the user's records done of total."""
    task = progress.add_task(f"{user_id}: starting", total=None)

    def show(counts: RecordCounts) -> None:
        progress.update(
            task,
            completed=counts.done,
            total=counts.total or None,
            description=f"{user_id}: {counts.describe()}",
        )

    try:
        with RecordProgress(store, user_id, show):
            yield
    finally:
        progress.remove_task(task)
