"""What the CLI commands share: settings, the Dagster instance home, and the plain components."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.settings import Settings
from resources.embedder_resource import shared_embedder
from resources.embedding import Embedder
from resources.state import StateStore
from resources.sync_api import SyncApiClient, signer_from_env
from resources.vectors import VectorStore, vector_store_from_settings

DEFAULT_DAGSTER_HOME = ".syncrag/dagster"

# Written into DAGSTER_HOME for the embedded defaults (never over a file the operator wrote).
_MARKER = "# Written by syncrag"
DAGSTER_YAML = f"""\
{_MARKER} for the embedded defaults.
# Queued runs start within a second of a sensor's request (the default waits up to 5 s). At most
# 4 runs at once on a laptop, and one per user: a second run of a partition waits in the queue
# rather than holding a slot while it waits for the user's ingest lock. A run whose process died
# stops counting as soon as the dead_runs sensor marks it failed.
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
    max_concurrent_runs: 4
    tag_concurrency_limits:
      - key: dagster/partition
        value:
          applyLimitPerUniqueValue: true
        limit: 1
# Runs that never got from STARTING to STARTED (a launcher that died) are failed after 3 minutes.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 30
# The webhook sensor ticks every few seconds: keep a day of its skipped ticks, not forever.
retention:
  sensor:
    purge_after_days:
      skipped: 1
      failure: 30
      success: 30
telemetry:
  enabled: false
"""


def settings() -> Settings:
    return Settings.from_env(os.environ)


def ensure_dagster_home() -> Path:
    """Uses DAGSTER_HOME, or a folder under .syncrag/, with syncrag's instance settings."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # Keep our own file current; never touch one the operator wrote.
    if not config.exists() or (
        config.read_text().startswith(_MARKER) and config.read_text() != DAGSTER_YAML
    ):
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def sync_client() -> SyncApiClient:
    return SyncApiClient(settings().sync_api_url, signer_from_env(os.environ))


def state_store() -> StateStore:
    return StateStore.open(settings().state_url)


def embedder() -> Embedder:
    s = settings()
    return shared_embedder(
        s.embedding_backend,
        s.embedding_model,
        s.embedding_device,
        s.embedding_batch_size,
        s.model_dir,
    )


def vector_store(model: Embedder) -> VectorStore:
    s = settings()
    return vector_store_from_settings(
        s.qdrant_url,
        os.environ.get("QDRANT_API_KEY") or None,
        Path(s.qdrant_edge_path),
        model.model_name,
        model.dimension,
    )
