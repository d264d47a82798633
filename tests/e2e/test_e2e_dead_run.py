"""A run killed with SIGKILL never blocks the runs after it (design invariant 9).

`syncrag ingest --user alice` runs on a persistent Dagster instance (the one the CLI writes under
DAGSTER_HOME) and is killed at several points; each time `syncrag ingest --user bob` must finish,
the dead run must end FAILED instead of STARTED forever, and alice's next run must finish too.
Before the fix, bob's run waited forever for the pool slot the dead run kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from resources.state import RecordState
from tests.e2e.harness import Emulator, Syncrag, installed, paragraphs_document

REPO_ROOT = Path(__file__).resolve().parents[2]
ALICE_DOCUMENTS = 24
# Longer than any healthy run here takes; the bug this guards against waited forever.
RUN_TIMEOUT = 120.0


def _document(i: int) -> str:
    paragraphs = [
        f"Shelf {j} of aisle {i}: {['flour', 'rice', 'oats', 'beans'][j % 4]} for the "
        f"{['bakery', 'kitchen', 'canteen', 'café'][(i + j) % 4]}, restocked on day {i * j}."
        for j in range(10)
    ]
    return paragraphs_document(f"Aisle {i}", paragraphs)


def _cli(syncrag: Syncrag, dagster_home: Path) -> tuple[list[str], dict[str, str]]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCRAG_", "QDRANT_"))}
    env = {
        **inherited,
        **syncrag.environ,
        "SYNCRAG_RECORD_BATCH_SIZE": "2",
        "DAGSTER_HOME": str(dagster_home),
        "PYTHONPATH": str(REPO_ROOT),
    }
    return [sys.executable, "-m", "pipelines.cli.main", "ingest"], env


def _indexed(syncrag: Syncrag, user: str) -> int:
    return sum(
        by_state.get(RecordState.INDEXED, 0)
        for by_state in syncrag.state.counts_by_state(user).values()
    )


def _kill_alice_when(syncrag: Syncrag, dagster_home: Path, condition: Callable[[], bool]) -> None:
    command, env = _cli(syncrag, dagster_home)
    process = subprocess.Popen(
        [*command, "--user", "alice"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while not condition():
            if process.poll() is not None:
                stderr = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"alice's ingest ended before the kill point: {stderr[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("alice's ingest never reached the kill point")
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _ingest(syncrag: Syncrag, dagster_home: Path, user: str) -> str:
    command, env = _cli(syncrag, dagster_home)
    try:
        done = subprocess.run(
            [*command, "--user", user],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{user}'s ingest was still waiting after {RUN_TIMEOUT:g} s")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _alice_runs(dagster_home: Path) -> list[DagsterRunStatus]:
    instance = DagsterInstance.from_config(str(dagster_home))
    try:
        records = instance.get_run_records(filters=RunsFilter(tags={"dagster/partition": "alice"}))
        return [r.dagster_run.status for r in records]
    finally:
        instance.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_point",
    ["pulled", "indexing"],
)
def test_a_killed_run_never_blocks_the_next_run_of_another_user(
    emulator: Emulator, tmp_path: Path, kill_point: str
) -> None:
    for i in range(ALICE_DOCUMENTS):
        emulator.write("alice", f"aisle{i:02d}.md", _document(i))
    emulator.write("bob", "notes.md", paragraphs_document("Notes", ["The walk-in is at 3 C."]))
    dagster_home = tmp_path / "dagster"
    with installed(emulator, tmp_path / "syncrag") as syncrag:
        emulator.enable(syncrag.state, "alice")
        emulator.enable(syncrag.state, "bob")
        conditions: dict[str, Callable[[], bool]] = {
            "pulled": lambda: bool(syncrag.ledger("alice")),
            "indexing": lambda: _indexed(syncrag, "alice") >= 4,
        }

        _kill_alice_when(syncrag, dagster_home, conditions[kill_point])
        assert "bob: 1 new" in _ingest(syncrag, dagster_home, "bob")

        # The dead run no longer reads as running; alice's next run finishes the work.
        assert DagsterRunStatus.STARTED not in _alice_runs(dagster_home)
        assert DagsterRunStatus.FAILURE in _alice_runs(dagster_home)
        _ingest(syncrag, dagster_home, "alice")
        assert _indexed(syncrag, "alice") == ALICE_DOCUMENTS


@pytest.mark.slow
def test_a_run_waiting_for_its_user_says_who_holds_it_and_goes_on_when_the_holder_dies(
    emulator: Emulator, tmp_path: Path
) -> None:
    for i in range(ALICE_DOCUMENTS):
        emulator.write("alice", f"aisle{i:02d}.md", _document(i))
    dagster_home = tmp_path / "dagster"
    with installed(emulator, tmp_path / "syncrag") as syncrag:
        emulator.enable(syncrag.state, "alice")
        # Slow downloads keep the holder busy while the waiter starts.
        emulator.set_faults(latency_ms=500)
        command, env = _cli(syncrag, dagster_home)
        holder = subprocess.Popen(
            [*command, "--user", "alice"], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL
        )
        waiter: subprocess.Popen[str] | None = None
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while _indexed(syncrag, "alice") < 2:
                assert holder.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
            waiter = subprocess.Popen(
                [*command, "--user", "alice"],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert waiter.stderr is not None
            line = ""
            while "waiting for alice's ingest lock" not in line:
                line = waiter.stderr.readline()
                assert line, "the waiting run ended without saying it waited"
            assert "held by run " in line and f"pid {holder.pid}" in line and "since" in line
            holder.kill()
            holder.wait()
            emulator.set_faults(latency_ms=0)
            out, _ = waiter.communicate(timeout=RUN_TIMEOUT)
            assert waiter.returncode == 0
            assert "alice:" in out
        finally:
            for process in (holder, waiter):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
        assert _indexed(syncrag, "alice") == ALICE_DOCUMENTS
