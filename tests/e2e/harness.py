"""The end-to-end harness: the emulator on a loopback socket over a temp corpus, syncrag's real
resources on temp paths, and shortcuts to enable syncs, run scans and materialize a user."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from dagster import (
    AssetCheckEvaluation,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)
from starlette.types import ASGIApp

from assets import synced_records, vector_index
from emulator import EmulatorConfig, FaultConfig, create_app
from ingest.enable import enable_user_sync
from ingest.search import search_user
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.resources import build_resources
from pipelines.schedules import FULL_RECONCILE_RUN_CONFIG
from pipelines.servers import BackgroundServer
from pipelines.settings import DEMO_PROJECT_ID, Settings
from resources.embedding import Embedder
from resources.state import LedgerRecord, RecordState, StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from resources.text import MarkdownChunker
from resources.vectors import SearchHit, VectorStore, vector_store_from_settings

PROJECT_ID = DEMO_PROJECT_ID
INTEGRATION = "googledrive"
WEBHOOK_SECRET = "e2e-webhook-secret"
WEBHOOK_URL = f"http://receiver.test/webhooks/paragon/{WEBHOOK_SECRET}"
# Runs log at WARNING only: the tests read metadata, not the console.
QUIET: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class KeyFiles:
    """The project's signing key pair on disk."""

    private: Path
    public: Path


def settings_environ(
    *, base_url: str, workdir: Path, key_path: Path, **overrides: str
) -> dict[str, str]:
    """The SYNCRAG_* environment of one syncrag install under `workdir` (fake embedder)."""
    environ = {
        "SYNCRAG_SYNC_API_URL": base_url,
        "SYNCRAG_PARAGON_PROJECT_ID": PROJECT_ID,
        "SYNCRAG_SIGNING_KEY_PATH": str(key_path),
        "SYNCRAG_STATE_URL": f"sqlite:///{workdir / 'state.db'}",
        "SYNCRAG_QDRANT_EDGE_PATH": str(workdir / "qdrant"),
        "SYNCRAG_EMBEDDING_BACKEND": "fake",
    }
    environ.update(overrides)
    return environ


@dataclass
class Ingest:
    """One materialization of a user's `synced_records` and `vector_index`."""

    result: ExecuteInProcessResult

    @property
    def success(self) -> bool:
        return self.result.success

    @property
    def records(self) -> dict[str, Any]:
        """The metadata of `synced_records` (values, not MetadataValue wrappers)."""
        return self._metadata("synced_records")

    @property
    def index(self) -> dict[str, Any]:
        """The metadata of `vector_index`."""
        return self._metadata("vector_index")

    @property
    def checks(self) -> dict[str, AssetCheckEvaluation]:
        """The asset-check evaluations of the run, by check name."""
        return {e.check_name: e for e in self.result.get_asset_check_evaluations()}

    def _metadata(self, node: str) -> dict[str, Any]:
        [materialization] = self.result.asset_materializations_for_node(node)
        return {key: value.value for key, value in materialization.metadata.items()}


@dataclass
class Syncrag:
    """syncrag installed under one folder: settings, resources, a Dagster instance, a state DB."""

    environ: dict[str, str]
    instance: DagsterInstance
    resources: dict[str, Any] = field(init=False)
    state: StateStore = field(init=False)

    def __post_init__(self) -> None:
        self.settings = Settings.from_env(self.environ)
        self.resources = build_resources(self.settings)
        self.state = StateStore.open(self.settings.state_url)

    def close(self) -> None:
        self.state.close()

    @property
    def embedder(self) -> Embedder:
        return self.resources["embedder"].get_embedder()

    @property
    def chunker(self) -> MarkdownChunker:
        """The chunker the runs use (same model, same overlap)."""
        return self.resources["embedder"].get_chunker()

    def vector_store(self) -> VectorStore:
        model = self.embedder
        return vector_store_from_settings(
            None, None, Path(self.settings.qdrant_edge_path), model.model_name, model.dimension
        )

    def ingest(
        self, user: str, *, full_reconcile: bool = False, raise_on_error: bool = True
    ) -> Ingest:
        """Materialize the user's partition of both assets, as the `ingest_user` job does."""
        self.instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, [user])
        run_config = {**QUIET, **(FULL_RECONCILE_RUN_CONFIG if full_reconcile else {})}
        result = materialize(
            [synced_records, vector_index],
            partition_key=user,
            resources=self.resources,
            instance=self.instance,
            run_config=run_config,
            raise_on_error=raise_on_error,
        )
        return Ingest(result)

    def points(self, user: str | None, *, with_vectors: bool = False) -> dict[str, Any]:
        """Every point of `user` (None: all users) as {id: payload} or {id: (vector, payload)}."""
        with self.vector_store().open() as index:
            return {
                p.id: ((p.vector, p.payload) if with_vectors else p.payload)
                for p in index.scroll(user, with_vectors=with_vectors)
            }

    def record_points(self, user: str, record_id: str) -> dict[str, dict[str, Any]]:
        with self.vector_store().open() as index:
            return index.points_for_records(user, [record_id])[record_id]

    def search(self, user: str, text: str, *, limit: int = 5) -> list[SearchHit]:
        return search_user(self.embedder, self.vector_store(), user, text, limit=limit)

    def ledger(self, user: str) -> list[LedgerRecord]:
        """Every ledger row of the user, any state."""
        return self.state.records_in_state(user, list(RecordState), limit=100_000)

    def ledger_by_name(self, user: str) -> dict[str, LedgerRecord]:
        return {r.name or r.record_id: r for r in self.ledger(user)}

    def record_state(self, sync_id: str, record_id: str) -> RecordState:
        record = self.state.get_record(sync_id, record_id)
        assert record is not None, f"no ledger row for record {record_id}"
        return record.state


class Emulator:
    """The Sync API emulator over `root`, served on a free loopback port, driven by its admin
    routes, plus a client signed with the project key."""

    def __init__(
        self,
        root: Path,
        keys: KeyFiles,
        *,
        faults: FaultConfig | None = None,
        webhook_receiver: ASGIApp | None = None,
    ) -> None:
        self.root = root
        self.keys = keys
        self.config = EmulatorConfig(
            root=root,
            public_key_pem=keys.public.read_text(),
            project_id=PROJECT_ID,
            faults=faults or FaultConfig(),
            webhook_url=WEBHOOK_URL if webhook_receiver is not None else None,
            webhook_backoff_s=0.0,
        )
        # Webhooks reach the receiver app in-process; only the Sync API needs a real socket.
        transport = httpx.ASGITransport(app=webhook_receiver) if webhook_receiver else None
        self._stack = contextlib.ExitStack()
        self.server = self._stack.enter_context(
            BackgroundServer(create_app(self.config, background=False, webhook_transport=transport))
        )
        self.admin = self._stack.enter_context(httpx.Client(base_url=self.url, timeout=60))
        signer = UserTokenSigner.from_settings(None, str(keys.private), project_id=PROJECT_ID)
        self.client = self._stack.enter_context(SyncApiClient(self.url, signer))

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self._stack.close()

    def folder(self, user: str, pipeline: str = "files", integration: str = INTEGRATION) -> Path:
        path = self.root / user / integration / pipeline
        path.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, user: str, name: str, content: str | bytes, *, pipeline: str = "files") -> Path:
        """Write a source file of the user's sync (text is written as UTF-8)."""
        path = self.folder(user, pipeline) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    def enable(self, state: StateStore, user: str, pipeline: str = "files") -> str:
        """Enable the user's sync (as the `enable_sync` job does) and run its initial scan."""
        self.folder(user, pipeline)
        sync = enable_user_sync(
            self.client, state, user_id=user, integration=INTEGRATION, pipeline=pipeline
        )
        self.scan(sync.id, "initial")
        return sync.id

    def scan(self, sync_id: str, kind: str) -> dict[str, Any]:
        """Run an initial, incremental or full scan now; returns its counts."""
        response = self.admin.post(f"/_emulator/syncs/{sync_id}/run", json={"kind": kind})
        response.raise_for_status()
        return response.json()

    def set_faults(self, **faults: Any) -> None:
        self.admin.post("/_emulator/faults", json=faults).raise_for_status()

    def flush_webhooks(self) -> dict[str, Any]:
        """Deliver the queued webhooks now; returns {delivered, failed, dropped}."""
        response = self.admin.post("/_emulator/webhooks/flush")
        response.raise_for_status()
        return response.json()

    def error_sync(self, sync_id: str, message: str) -> None:
        response = self.admin.post(f"/_emulator/syncs/{sync_id}/error", json={"message": message})
        response.raise_for_status()


def install(
    emulator: Emulator, workdir: Path, instance: DagsterInstance, **overrides: str
) -> Syncrag:
    """A syncrag install under `workdir` talking to `emulator`."""
    workdir.mkdir(parents=True, exist_ok=True)
    environ = settings_environ(
        base_url=emulator.url, workdir=workdir, key_path=emulator.keys.private, **overrides
    )
    return Syncrag(environ, instance)


@contextlib.contextmanager
def installed(emulator: Emulator, workdir: Path, **overrides: str) -> Iterator[Syncrag]:
    """`install` with its own ephemeral Dagster instance, closed at the end of the block."""
    with DagsterInstance.ephemeral() as instance:
        syncrag = install(emulator, workdir, instance, **overrides)
        try:
            yield syncrag
        finally:
            syncrag.close()


def paragraphs_document(title: str, paragraphs: list[str]) -> str:
    """A Markdown document: a title heading and the paragraphs, blank lines between."""
    return f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"


def by_state(records: list[LedgerRecord]) -> Mapping[str, list[str]]:
    """Record names grouped by ledger state."""
    grouped: dict[str, list[str]] = {}
    for record in records:
        grouped.setdefault(str(record.state), []).append(record.name or record.record_id)
    return {state: sorted(names) for state, names in grouped.items()}
