"""syncrag's plain ingestion code over a corpus, wired the way a run wires it, minus Dagster.

The emulator serves the corpus on loopback from its own process (scanning only when asked, so
each scenario sees exactly its own change); syncrag pulls with `pull_user`, indexes with
`Indexer` into Qdrant Edge in a temporary folder, and keeps its ledger in SQLite.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from bench.corpus import INTEGRATION, PIPELINE
from emulator import ensure_dev_keypair
from ingest import Indexer, IndexReport, pull_user, reconcile_sync, remember_sync
from pipelines.servers import free_port
from resources.embedding import Embedder
from resources.state import StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from resources.text import ExtractionLimits, ExtractionWorker, MarkdownChunker
from resources.vectors import EdgeVectorStore, collection_name_for

PROJECT_ID = "5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70"  # the emulator's default project
SCAN_TIMEOUT_S = 900.0
NEVER_S = "1e9"  # seconds: a background scan that never comes


@dataclass
class SyncOutcome:
    """What one pass over every user did: the indexer's report plus pull and reconcile counts."""

    index: IndexReport = field(default_factory=IndexReport)
    records_pulled: int = 0
    records_deleted_by_feed: int = 0
    records_tombstoned_by_reconcile: int = 0
    reconcile_refusals: list[str] = field(default_factory=list)


class EmulatorProcess:
    """`python -m emulator.cli` over `root` in its own process, scanning only when asked.

    Out of process, as Paragon is: its CPU time is not counted as syncrag's, and its threads do
    not share this interpreter's GIL with the pipeline.
    """

    def __init__(self, root: Path, public_key: Path, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = workdir / "emulator.log"
        self._command = [
            sys.executable,
            "-m",
            "emulator.cli",
            "--root",
            str(root),
            "--port",
            str(self.port),
            "--state-dir",
            str(workdir / "emulator-state"),
            "--public-key",
            str(public_key),
            "--project-id",
            PROJECT_ID,
            # Scans run only through the admin route, so that each scenario sees its change.
            *("--initial-sync-delay", NEVER_S),
            *("--incremental-interval", NEVER_S),
            *("--full-sync-interval", NEVER_S),
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                self._command,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).parent.parent,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/_emulator/state", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise EmulatorStartError(f"the emulator did not start on {self.url}; see {self._log}")

    @property
    def pid(self) -> int | None:
        """The emulator's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


class EmulatorStartError(RuntimeError):
    """The emulator process did not answer; the message names its log."""


class EmulatedSyncApi:
    """The emulator over `root` in its own process, with a client that signs user tokens."""

    def __init__(self, root: Path, workdir: Path) -> None:
        private_key, public_key = ensure_dev_keypair(workdir / "keys")
        self.private_key_path = private_key
        self.server = EmulatorProcess(root, public_key, workdir)
        self.client = SyncApiClient(
            self.server.url,
            UserTokenSigner(private_key.read_text(), PROJECT_ID),
            timeout=120.0,
        )

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> None:
        self.server.start()

    def scan(self, kind: str) -> None:
        """Scans every sync now (`initial` for a new one); returns when the scan is done."""
        response = httpx.post(
            f"{self.url}/_emulator/scan", json={"kind": kind}, timeout=SCAN_TIMEOUT_S
        )
        response.raise_for_status()

    def enable(self, users: Iterable[str]) -> None:
        """Enables each user's files sync and runs its initial sync."""
        for user in users:
            self.client.enable_sync(user, INTEGRATION, PIPELINE)
        self.scan("incremental")

    def close(self) -> None:
        self.client.close()
        self.server.stop()


class SyncragStack:
    """The emulator plus syncrag's state, chunker, embedder and Edge store in `workdir`."""

    def __init__(
        self,
        corpus_root: Path,
        workdir: Path,
        embedder: Embedder,
        *,
        record_batch_size: int = 32,
        page_size: int = 100,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.api = EmulatedSyncApi(corpus_root, workdir)
        self.state = StateStore.open(f"sqlite:///{workdir / 'state.db'}")
        # Held open across a pass's users and closed at its end, as a run's store is.
        self.store = EdgeVectorStore(
            workdir / "qdrant",
            collection_name_for(embedder.model_name, embedder.dimension),
            embedder.dimension,
            hold_open=True,
        )
        self.page_size = page_size
        self._chunker = MarkdownChunker(embedder.count_tokens, embedder.max_tokens)
        self._embedder = embedder
        self._record_batch_size = record_batch_size

    def __enter__(self) -> SyncragStack:
        self.api.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.api.close()
        self.state.close()

    def enable(self, users: Iterable[str]) -> None:
        """Enables the users' syncs at the API and records them, as `syncrag enable` does."""
        users = list(users)
        self.api.enable(users)
        for user in users:
            for sync in self.api.client.list_syncs(user):
                remember_sync(self.state, user, sync)

    def sync(self, users: Iterable[str], *, reconcile: bool = False) -> SyncOutcome:
        """Pulls each user's changes (then, if asked, fully reconciles), then indexes them: one
        pass is what one batch run does (`pipelines/batch_job.py`), one extraction worker for
        all its users and the store held open across them."""
        with ExtractionWorker(ExtractionLimits()) as documents:
            try:
                return self._sync(users, documents, reconcile=reconcile)
            finally:
                self.store.close()

    def _sync(
        self, users: Iterable[str], documents: ExtractionWorker, *, reconcile: bool
    ) -> SyncOutcome:
        indexer = Indexer(
            client=self.api.client,
            state=self.state,
            chunker=self._chunker,
            embedder=self._embedder,
            store=self.store,
            record_batch_size=self._record_batch_size,
            documents=documents,
        )
        outcome = SyncOutcome()
        for user in users:
            pulled = pull_user(self.api.client, self.state, user, page_size=self.page_size)
            outcome.records_pulled += pulled.total("new") + pulled.total("updated")
            outcome.records_deleted_by_feed += pulled.total("deleted")
            if reconcile:
                for sync in self.state.list_syncs(user):
                    report = reconcile_sync(self.api.client, self.state, sync)
                    outcome.records_tombstoned_by_reconcile += report.tombstoned
                    if report.refused_reason:
                        outcome.reconcile_refusals.append(report.refused_reason)
            _add_reports(outcome.index, indexer.index_user(user))
        return outcome

    def points_of(self, external_ids: Mapping[str, set[str]]) -> int:
        """How many points the store holds for these documents (user -> external ids)."""
        left = 0
        try:
            with self.store.open() as index:
                for user, ids in external_ids.items():
                    left += sum(
                        1 for p in index.scroll(user) if p.payload.get("external_id") in ids
                    )
        finally:
            self.store.close()
        return left

    def point_count(self, users: Iterable[str]) -> int:
        try:
            with self.store.open() as index:
                return sum(index.count(user) for user in users)
        finally:
            self.store.close()


def _add_reports(total: IndexReport, part: IndexReport) -> None:
    for name, value in vars(part).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            setattr(total, name, getattr(total, name) + value)
        elif isinstance(value, list):
            getattr(total, name).extend(value)
