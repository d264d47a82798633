"""The indexer and its extraction worker: a broken installation fails the run, loses nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ingest import Indexer, pull_user
from resources.state import RecordState
from resources.text import WorkerUnavailableError
from tests.e2e.harness import Emulator, Syncrag


class BrokenInstallation:
    """A document reader whose worker process cannot start (say, a missing dependency)."""

    def file_markdown(self, content: bytes, *, mime_type: str | None, name: str) -> str:
        raise WorkerUnavailableError("The extraction process did not start.")

    def ticket_markdown(self, record: Mapping[str, Any], archive: bytes | None) -> str:
        raise WorkerUnavailableError("The extraction process did not start.")


def test_a_worker_that_cannot_start_fails_the_run_and_leaves_records_pending(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    for i in range(3):
        emulator.write("alice", f"note{i}.md", f"# Note {i}\n\nThe pantry holds {i} jars.\n")
    emulator.enable(syncrag.state, "alice")
    pull_user(emulator.client, syncrag.state, "alice")
    indexer = Indexer(
        client=emulator.client,
        state=syncrag.state,
        chunker=syncrag.chunker,
        embedder=syncrag.embedder,
        store=syncrag.vector_store(),
        documents=BrokenInstallation(),
    )
    with pytest.raises(WorkerUnavailableError):
        indexer.index_user("alice")
    assert {r.state for r in syncrag.ledger("alice")} == {RecordState.PENDING}
