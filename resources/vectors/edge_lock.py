"""The lock that admits one process at a time to an Edge shard, and the signal that asks for it.

`<collection>.lock` is held exclusively from before Edge loads the shard until after it has
flushed and closed it (Edge's own write-ahead-log lock is taken too late and released too early:
see `edge.py`). A process that finds it taken says so by holding a shared lock on
`<collection>.waiting` for as long as it waits, so that a holder keeping the shard open between
uses (`EdgeVectorStore(hold_open=True)`) knows to hand it on. Both are `flock`s: the kernel drops
them when their holder dies, so a killed process never leaves the shard locked.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path

from resources.vectors.errors import VectorStoreBusy

__all__ = ["ShardLock"]

logger = logging.getLogger("resources.vectors.edge")

# Edge's own lock (after ours) is retried with backoff from FIRST up to MAX seconds.
FIRST_RETRY_DELAY = 0.05
MAX_RETRY_DELAY = 0.1
# How often a waiter tries the lock (a cheap system call), and how often it says it waits.
WAIT_POLL_S = 0.01
REPORT_EVERY_S = 5.0


class ShardLock:
    """The exclusive lock of one shard (`lock_path`) and its waiting signal (`waiting_path`)."""

    def __init__(self, lock_path: Path, waiting_path: Path, shard_path: Path) -> None:
        self.lock_path = lock_path
        self.waiting_path = waiting_path
        self._shard_path = shard_path
        self._lock_fd: int | None = None
        self._waiting_fd: int | None = None

    @property
    def held(self) -> bool:
        return self._lock_fd is not None

    def acquire(self, timeout: float) -> None:
        """Take the lock, waiting up to `timeout` s (and saying so) while another process has it."""
        if self.held:
            raise RuntimeError(f"{self.lock_path} is already held by this handle")
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_flock(lock_fd, fcntl.LOCK_EX):
                self._wait_for(lock_fd, timeout)
        except BaseException:
            os.close(lock_fd)
            raise
        self._lock_fd = lock_fd

    def release(self) -> None:
        """Drop the lock (and stop watching for waiters)."""
        for fd in (self._waiting_fd, self._lock_fd):
            if fd is not None:
                os.close(fd)
        self._lock_fd = self._waiting_fd = None

    def others_waiting(self) -> bool:
        """Whether another process is waiting for this lock (only its holder may ask)."""
        if self._waiting_fd is None:
            self._waiting_fd = os.open(self.waiting_path, os.O_RDWR | os.O_CREAT, 0o644)
        # Waiters hold the signal shared; an exclusive try fails while any of them does.
        if _try_flock(self._waiting_fd, fcntl.LOCK_EX):
            fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
            return False
        return True

    def _wait_for(self, lock_fd: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting_fd = os.open(self.waiting_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            # Blocks only for the instant a holder spends checking the signal.
            fcntl.flock(waiting_fd, fcntl.LOCK_SH)
            next_report = time.monotonic()
            # A short poll: a holder that handed the shard on must not get it straight back
            # because every waiter was asleep (a 100 ms poll starved a waiter for 30 s).
            while not _try_flock(lock_fd, fcntl.LOCK_EX):
                now = time.monotonic()
                if now >= deadline:
                    raise VectorStoreBusy(
                        f"The vector store at {self._shard_path} stayed locked by another "
                        f"process for {timeout:g} s; wait for the running job to finish and "
                        "try again."
                    )
                if now >= next_report:
                    logger.info(
                        "vector store %s is locked by another process; waiting up to %.0f s more",
                        self._shard_path,
                        deadline - now,
                    )
                    next_report = now + REPORT_EVERY_S
                time.sleep(min(WAIT_POLL_S, deadline - now))
        finally:
            os.close(waiting_fd)


def _try_flock(fd: int, operation: int) -> bool:
    """Takes the `flock` on `fd` if no other handle holds a conflicting one."""
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
