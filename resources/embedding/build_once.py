"""A directory built once and swapped into place whole, however many processes want it at once.

The builder writes into a scratch directory beside the target; the result is renamed into place,
so that a reader sees either no directory, the old one or the complete new one. An exclusive
`flock` on `.<name>.lock` beside the target serialises builders: the second one waits, then
finds the first one's result current instead of building it again.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

__all__ = ["build_once", "lock_path_for"]

T = TypeVar("T")

_SCRATCH_SUFFIX = ".building"
_OLD_SUFFIX = ".replaced"


def lock_path_for(target: Path) -> Path:
    """The lock file that builders of `target` take (beside it: the target itself is replaced)."""
    return target.with_name(f".{target.name}.lock")


def build_once(
    target: Path,
    *,
    current: Callable[[Path], T | None],
    build: Callable[[Path], T],
    on_wait: Callable[[], None] | None = None,
) -> tuple[T, bool]:
    """What `current(target)` finds, after building `target` with `build` if it found nothing.

    `current` reads a directory and returns what it holds, or None if it is missing or stale.
    `build` fills an empty scratch directory and returns what `current` would read from it.
    Returns the value and whether this call built it. `on_wait` is called once if another
    process holds the lock, before waiting for it. A failed build leaves the target as it was.
    """
    found = current(target)
    if found is not None:
        return found, False
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(lock_path_for(target), on_wait):
        # Another process may have built it while this one waited.
        found = current(target)
        if found is not None:
            return found, False
        _remove_leftovers(target)
        scratch = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=_SCRATCH_SUFFIX, dir=target.parent)
        )
        try:
            made = build(scratch)
            _swap_into_place(scratch, target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return made, True


@contextmanager
def _exclusive(path: Path, on_wait: Callable[[], None] | None) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                raise
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        # Closing the descriptor releases the lock, also when the process dies.
        os.close(fd)


def _swap_into_place(scratch: Path, target: Path) -> None:
    # A directory cannot be renamed over a non-empty one: move the stale one aside first. A
    # reader between the two renames finds no export and queues on the lock.
    old: Path | None = None
    if target.exists():
        old = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=_OLD_SUFFIX, dir=target.parent)
        )
        old.rmdir()
        target.rename(old)
    scratch.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(target: Path) -> None:
    # Scratch and stale directories of builders that died; under the lock no one else owns them.
    for suffix in (_SCRATCH_SUFFIX, _OLD_SUFFIX):
        for leftover in target.parent.glob(f".{target.name}.*{suffix}"):
            shutil.rmtree(leftover, ignore_errors=True)
