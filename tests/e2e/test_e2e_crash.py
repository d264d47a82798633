"""Crash safety (design invariant 2): an ingest SIGKILLed at several points and then re-run ends
with exactly the index of an uninterrupted run: same point ids, payloads and vectors, no
duplicates, no record left pending."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from resources.state import RecordState
from tests.e2e.harness import Emulator, Syncrag, installed, paragraphs_document

REPO_ROOT = Path(__file__).resolve().parents[2]
USER = "alice"
DOCUMENTS = 30
# Small batches: many commits of points and ledger rows to land a kill between.
BATCH = "3"
STARTUP_TIMEOUT = 120.0


def _document(i: int, version: int = 0) -> str:
    paragraphs = [
        f"Part {j} of file {i}, version {version}: the {['north', 'east', 'south', 'west'][j % 4]} "
        f"wing holds {i * j + version} crates of {['tea', 'salt', 'wool', 'iron'][(i + j) % 4]}, "
        "counted every morning and shipped every week to the harbour market."
        for j in range(12)
    ]
    return paragraphs_document(f"Inventory {i}", paragraphs)


def _states(syncrag: Syncrag) -> dict[str, int]:
    totals: dict[str, int] = {}
    for by_state in syncrag.state.counts_by_state(USER).values():
        for state, count in by_state.items():
            totals[str(state)] = totals.get(str(state), 0) + count
    return totals


def _kill_when(
    syncrag: Syncrag, condition: Callable[[dict[str, int]], bool], rng: random.Random
) -> None:
    """Start an ingest in a subprocess and SIGKILL it soon after `condition` holds on the ledger."""
    # Only this install's settings: none of the developer's SYNCRAG_* or QDRANT_* leak in.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCRAG_", "QDRANT_"))}
    env = {**inherited, **syncrag.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.ingest_once", USER],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not condition(_states(syncrag)):
            if process.poll() is not None:
                stderr = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"the ingest ended before the kill point: {stderr[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the ingest never reached the kill point")
            time.sleep(0.01)
        # A little later, so that kills land at different steps of a batch.
        time.sleep(rng.uniform(0.0, 0.2))
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, "the ingest finished before the kill"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _snapshot(syncrag: Syncrag) -> dict[str, object]:
    with syncrag.vector_store().open() as index:
        points = list(index.scroll(USER, with_vectors=True))
    assert len({p.id for p in points}) == len(points)
    return {p.id: (p.vector, p.payload) for p in points}


@pytest.mark.slow
def test_an_ingest_killed_at_several_points_converges_to_the_uninterrupted_index(
    emulator: Emulator, tmp_path: Path
) -> None:
    rng = random.Random(7)
    for i in range(DOCUMENTS):
        emulator.write(USER, f"inventory{i:02d}.md", _document(i))
    with (
        installed(emulator, tmp_path / "reference") as reference,
        installed(emulator, tmp_path / "crashed", SYNCRAG_RECORD_BATCH_SIZE=BATCH) as crashed,
    ):
        sync_id = emulator.enable(reference.state, USER)
        reference.ingest(USER)

        # The first run dies a fifth of the way through indexing, the second half way, and a
        # third run finishes.
        _kill_when(crashed, lambda s: s.get(RecordState.INDEXED, 0) >= DOCUMENTS // 5, rng)
        _kill_when(crashed, lambda s: s.get(RecordState.INDEXED, 0) >= DOCUMENTS // 2, rng)
        finished = crashed.ingest(USER)
        assert finished.checks["index_matches_ledger"].passed
        assert _snapshot(crashed) == _snapshot(reference)

        # Then an update: edits and deletions, killed once some of the work is done.
        edited = range(0, DOCUMENTS, 3)
        for i in edited:
            emulator.write(USER, f"inventory{i:02d}.md", _document(i, version=1))
        for i in (1, 2):
            (emulator.folder(USER) / f"inventory{i:02d}.md").unlink()
        counts = emulator.scan(sync_id, "full")
        assert (counts["updated"], counts["deleted"]) == (len(edited), 2)
        reference.ingest(USER)
        _kill_when(
            crashed,
            lambda s: (
                s.get(RecordState.PURGED, 0) == 2
                and s.get(RecordState.PENDING, DOCUMENTS) <= len(edited) - 3
            ),
            rng,
        )
        final = crashed.ingest(USER)

        assert final.success
        assert final.checks["index_matches_ledger"].passed
        states = _states(crashed)
        assert states.get(RecordState.PENDING, 0) == 0
        assert states.get(RecordState.DELETED, 0) == 0
        assert states == _states(reference)
        assert _snapshot(crashed) == _snapshot(reference)
