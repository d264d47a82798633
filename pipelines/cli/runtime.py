"""What the CLI commands share: settings, the Dagster instance home, and the plain components."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterInstance
from sqlalchemy.engine import make_url

from pipelines.cli.errors import UserError
from pipelines.settings import HOME_SETTING, Settings, resolve_home
from resources.embedder_resource import shared_embedder
from resources.embedding import Embedder
from resources.state import StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from resources.vectors import VectorStore, vector_store_from_settings

# Written into DAGSTER_HOME for the embedded defaults (never over a file the operator wrote).
_MARKER = "# Written by syncrag"
DAGSTER_YAML = f"""\
{_MARKER} for the embedded defaults.
# Queued runs start within a second of a sensor's request (the default waits up to 5 s). At most
# 4 runs at once on a laptop, and one per user: a second run of a partition waits in the queue
# rather than holding a slot while it waits for the user's ingest lock. A run whose process died
# stops counting as soon as the dead_runs sensor marks it failed. Runs a tick asks for together
# are launched side by side (a launch waits for its process to start: seconds each, in a row).
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
    dequeue_use_threads: true
    dequeue_num_workers: 4
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


def child_environ() -> dict[str, str]:
    """The environment for the processes a command starts (the Dagster UI, the daemon, the
    receiver): SYNCRAG_HOME and DAGSTER_HOME absolute, so that they all find the same home
    whatever folder they run in."""
    return {
        **os.environ,
        HOME_SETTING: str(resolve_home(os.environ)),
        "DAGSTER_HOME": str(ensure_dagster_home()),
    }


def settings() -> Settings:
    return Settings.from_env(os.environ)


def ensure_dagster_home() -> Path:
    """Uses DAGSTER_HOME (default: `dagster` under SYNCRAG_HOME), with syncrag's instance
    settings written there unless the operator wrote their own."""
    home = Path(settings().dagster_home).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # Keep our own file current; never touch one the operator wrote.
    if not config.exists() or (
        config.read_text().startswith(_MARKER) and config.read_text() != DAGSTER_YAML
    ):
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare_dagster_instance() -> Path:
    """Creates the Dagster instance's storage in DAGSTER_HOME once, in this process.

    Processes that open a new SQLite instance at the same moment (the daemon, the webserver and
    its code server, started together by `syncrag serve`) each create its tables and stamp their
    schema version: two stamps leave "more than one head" and the process that sees them fails.
    Opening it here first leaves them nothing to create.
    """
    home = ensure_dagster_home()
    try:
        with DagsterInstance.get():
            pass
    except Exception as error:
        raise UserError(
            f"the Dagster instance in {home} cannot be opened ({type(error).__name__}: {error}); "
            f"fix the storage settings in {home / 'dagster.yaml'}."
        ) from error
    return home


def signer() -> UserTokenSigner:
    """The user-token signer of the settings; the key text itself is read only here."""
    s = settings()
    return UserTokenSigner.from_settings(
        os.environ.get("SYNCRAG_SIGNING_KEY") or None,
        None if s.signing_key_set else s.signing_key_path,
        project_id=s.project_id,
        aud_host=s.aud_host,
        lifetime_seconds=s.token_lifetime_seconds,
    )


def sync_client() -> SyncApiClient:
    return SyncApiClient(settings().sync_api_url, signer())


def state_store() -> StateStore:
    return StateStore.open(settings().state_url)


def existing_state_store() -> StateStore | None:
    """The state DB, or None when it is a SQLite file that does not exist: the commands that only
    read (status, query, explain) do not create a home where there is none."""
    state_url = settings().state_url
    url = make_url(state_url)
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database not in (None, "", ":memory:") and not Path(str(database)).expanduser().exists():
        return None
    return StateStore.open(state_url)


def state_location() -> str:
    """Where the state DB is, as messages name it: the home, unless SYNCRAG_STATE_URL moved it."""
    s = settings()
    if s.state_url == f"sqlite:///{s.home / 'state.db'}":
        return f"{s.home} ({HOME_SETTING})"
    shown = make_url(s.state_url).render_as_string(hide_password=True)
    return f"the state DB at {shown} (SYNCRAG_STATE_URL)"


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


def unknown_user_sentence(user: str) -> str:
    """What to say about a user the state DB has no sync of, naming where it looked."""
    return (
        f"no sync of user {user!r} is known here, in {state_location()}: enable one with "
        f"`syncrag enable --user {user} --integration <integration>`."
    )


def require_known_user(store: StateStore, user: str) -> None:
    """Raises UserError unless the state DB knows a sync of `user`."""
    if not user.strip():
        raise UserError("--user needs a user id, not an empty string.")
    if not store.list_syncs(user):
        raise UserError(unknown_user_sentence(user))


def known_user_state_store(user: str) -> StateStore:
    """The state DB, once it is known to hold a sync of `user` (UserError otherwise). A SQLite
    file that does not exist is not created."""
    if not user.strip():
        raise UserError("--user needs a user id, not an empty string.")
    store = existing_state_store()
    if store is None:
        raise UserError(unknown_user_sentence(user))
    try:
        require_known_user(store, user)
    except BaseException:
        store.close()
        raise
    return store


def check_user(user: str) -> None:
    """Raises UserError unless the state DB knows a sync of `user` (opens and closes it)."""
    known_user_state_store(user).close()
