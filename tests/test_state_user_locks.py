"""The per-user ingest lock: one holder at a time, named while waited for, freed if it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from resources.state import LockHolder, StateStore
from tests.test_state_support import BACKENDS, Backend, open_backend

REPO_ROOT = Path(__file__).resolve().parents[1]
HOLD_IN_CHILD = """
import sys, time
from resources.state import StateStore
store = StateStore(sys.argv[1], schema=sys.argv[2] or None)
with store.user_lock("alice", holder="run child-run"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with open_backend(request.param, tmp_path) as opened:
        opened.open().close()
        yield opened


def test_a_second_holder_waits_and_says_who_holds_the_lock(backend: Backend) -> None:
    first, second = backend.store(), backend.store()
    seen: list[tuple[LockHolder | None, float]] = []
    order: list[str] = []
    try:
        with first.user_lock("alice", holder="run first-run"):

            def wait_for_it() -> None:
                with second.user_lock(
                    "alice", holder="run second-run", on_wait=lambda h, w: seen.append((h, w))
                ):
                    order.append("second")

            waiter = threading.Thread(target=wait_for_it)
            waiter.start()
            time.sleep(0.6)
            order.append("first done")
        waiter.join(timeout=10)
    finally:
        first.close()
        second.close()
    assert order == ["first done", "second"]
    assert seen, "the waiter never said it was waiting"
    holder = seen[0][0]
    assert holder is not None and "first-run" in holder.describe()


def test_other_users_do_not_wait(backend: Backend) -> None:
    first, second = backend.store(), backend.store()
    try:
        with (
            first.user_lock("alice", holder="run a"),
            second.user_lock("bob", holder="run b", on_wait=_never),
        ):
            pass
    finally:
        first.close()
        second.close()


def test_a_killed_holder_frees_the_lock_at_once(backend: Backend) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_IN_CHILD, backend.url, backend.schema or ""],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        store = backend.store()
        seen: list[LockHolder | None] = []
        blocked = threading.Event()

        def try_while_held() -> None:
            with store.user_lock("alice", holder="run next", on_wait=lambda h, w: seen.append(h)):
                blocked.set()

        probe = threading.Thread(target=try_while_held)
        probe.start()
        time.sleep(0.5)
        assert not blocked.is_set(), "the lock was free while the child held it"
        assert seen and seen[0] is not None and "child-run" in seen[0].describe()
        child.send_signal(signal.SIGKILL)
        child.wait()
        probe.join(timeout=15)
        assert blocked.is_set(), "the lock stayed taken after its holder was killed"
        store.close()
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_sqlite_lock_files_are_named_by_a_hash_not_the_user_id(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    with store.user_lock("../../etc/passwd\n", holder="run x"):
        names = [p.name for p in (tmp_path / "locks").iterdir()]
    store.close()
    assert len(names) == 1 and names[0].startswith("user-") and "/" not in names[0]


def _never(holder: LockHolder | None, waited: float) -> None:
    raise AssertionError(f"waited {waited} s for {holder}")
