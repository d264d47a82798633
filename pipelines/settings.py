"""Every setting syncrag reads from the environment, with its default, in one place.

The definitions function and the CLI read settings through `Settings.from_env`; nothing reads the
environment at import time. Secrets (signing key, Qdrant API key, webhook secret) are kept by name
so that Dagster resolves them itself (`EnvVar`) and they never show in the UI. Every path default
lies under one folder, SYNCRAG_HOME, made absolute when the settings are read, so that the CLI,
the receiver, the daemon and the webserver started with the same environment share one state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from resources.embedding.onnx_files import MODEL_DIR_SETTING, default_model_dir
from resources.text.limits import MB, ExtractionLimits

DEMO_PROJECT_ID = "5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70"
HOME_SETTING = "SYNCRAG_HOME"
DEFAULT_HOME = ".syncrag"
# Path defaults name their folder so: the README shows them so, `from_env` puts the home there.
_HOME_MARK = "$SYNCRAG_HOME"

_Getter = Callable[[str], "str | None"]


class SettingsError(ValueError):
    """A setting has a value syncrag cannot use; the message names the variable to fix."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and what it is for (the README table)."""

    name: str
    default: str | None
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        HOME_SETTING,
        DEFAULT_HOME,
        "Folder of every path default below (state DB, Qdrant Edge store, signing key, "
        "DAGSTER_HOME, demo corpus, emulator state); a relative path is taken from the working "
        "folder and made absolute once, for the processes syncrag starts too.",
    ),
    Setting(
        "SYNCRAG_SYNC_API_URL",
        "http://127.0.0.1:8787",
        "Base URL of the Sync API: "
        "https://sync.useparagon.com for Paragon cloud, the emulator by default.",
    ),
    Setting("SYNCRAG_PARAGON_PROJECT_ID", DEMO_PROJECT_ID, "Paragon project id (the `aud` claim)."),
    Setting("SYNCRAG_PARAGON_AUD_HOST", "useparagon.com", "Host part of the `aud` claim."),
    Setting("SYNCRAG_SIGNING_KEY", None, "Paragon signing key, PEM text.", secret=True),
    Setting(
        "SYNCRAG_SIGNING_KEY_PATH",
        f"{_HOME_MARK}/keys/signing.pem",
        "Path of the signing key PEM file, when SYNCRAG_SIGNING_KEY is not set.",
    ),
    Setting("SYNCRAG_TOKEN_LIFETIME_SECONDS", "3600", "Lifetime of the user tokens syncrag signs."),
    Setting(
        "SYNCRAG_STATE_URL",
        f"sqlite:///{_HOME_MARK}/state.db",
        "State DB (ledger, cursors, webhook inbox): SQLite file or postgresql+psycopg://...",
    ),
    Setting("QDRANT_URL", None, "Qdrant server or cluster URL; unset = embedded Qdrant Edge."),
    Setting("QDRANT_API_KEY", None, "API key for QDRANT_URL.", secret=True),
    Setting(
        "SYNCRAG_QDRANT_EDGE_PATH",
        f"{_HOME_MARK}/qdrant",
        "Folder of the embedded Qdrant Edge store (used when QDRANT_URL is unset).",
    ),
    Setting(
        "SYNCRAG_EMBEDDING_BACKEND",
        "onnx-int8",
        "Embedding runtime: onnx-int8 (ONNX Runtime, int8 weights), onnx (fp32), "
        "sentence-transformers (torch) or fake (tests); see Embedding runtimes below.",
    ),
    Setting(
        "SYNCRAG_EMBEDDING_MODEL",
        None,
        "sentence-transformers model path or name (the fake backend's name, in tests); unset = "
        "packaged all-MiniLM-L6-v2.",
    ),
    Setting("SYNCRAG_EMBEDDING_DEVICE", "cpu", "Torch device for the embedding model."),
    Setting(
        MODEL_DIR_SETTING,
        None,
        "Folder of exported models (the onnx backends export there on first use); unset = "
        "$XDG_CACHE_HOME/syncrag/models, or ~/.cache/syncrag/models.",
    ),
    Setting("SYNCRAG_EMBEDDING_BATCH_SIZE", "32", "Chunks per model batch."),
    Setting("SYNCRAG_CHUNK_OVERLAP_TOKENS", "32", "Tokens shared by neighbouring chunks."),
    Setting("SYNCRAG_RECORD_BATCH_SIZE", "32", "Records read, embedded and written per batch."),
    Setting("SYNCRAG_PAGE_SIZE", "100", "Records per Sync API page (maximum 1000)."),
    Setting(
        "SYNCRAG_MAX_DOWNLOAD_MB",
        "100",
        "Largest file syncrag downloads; a bigger one is errored (the download stops there).",
    ),
    Setting(
        "SYNCRAG_MAX_EXPANDED_MB",
        "200",
        "Largest total a ZIP-based file (DOCX, XLSX, PPTX, ticket bundle) may expand to.",
    ),
    Setting(
        "SYNCRAG_MAX_COMPRESSION_RATIO",
        "100",
        "Largest expansion ratio of a part (over 1 MB) of a ZIP-based file: zip bombs exceed it.",
    ),
    Setting(
        "SYNCRAG_EXTRACT_MEMORY_MB",
        "1024",
        "Memory the extraction process may use for one file, beyond what it holds at rest.",
    ),
    Setting(
        "SYNCRAG_EXTRACT_TIMEOUT_SECONDS",
        "60",
        "Time one file's extraction may take before its process is killed and replaced.",
    ),
    Setting(
        "SYNCRAG_MAX_TEXT_MB", "20", "Most text one file may give (in millions of characters)."
    ),
    Setting(
        "SYNCRAG_RECONCILE_MAX_DELETE_SHARE",
        "0.5",
        "Largest share of a sync's records a full reconcile may delete.",
    ),
    Setting(
        "SYNCRAG_WEBHOOK_SECRET",
        None,
        "Shared secret the webhook receiver requires (URL path, ?secret= or header).",
        secret=True,
    ),
    Setting(
        "SYNCRAG_SENSOR_INTERVAL_SECONDS",
        "2",
        "Seconds between the webhook sensor's reads of the inbox "
        "(dagster-daemon evaluates sensors at most every 5 s).",
    ),
    Setting(
        "SYNCRAG_INBOX_RETENTION_HOURS",
        "72",
        "Hours a settled webhook event (processed, ignored or rejected) stays in the inbox; the "
        "webhook sensor then deletes it.",
    ),
    Setting(
        "SYNCRAG_RUN_BATCH_USERS",
        "50",
        "Most users one ingest run covers: the sensor and the schedules ask for runs of this many "
        "users (a lone user gets a run of its own partition).",
    ),
    Setting(
        "SYNCRAG_INCREMENTAL_POLL_CRON",
        "*/10 * * * *",
        "Schedule of the incremental poll (for webhooks that never came).",
    ),
    Setting(
        "SYNCRAG_FULL_RECONCILE_CRON",
        "0 3 * * *",
        "Schedule of the full reconcile (deletion safety net).",
    ),
    Setting(
        "SYNCRAG_STALE_AFTER_HOURS",
        "2",
        "Hours after a user's last pull at which its partition's check pulled_recently fails "
        "(keep it above the incremental poll's interval).",
    ),
    Setting(
        "SYNCRAG_ASSET_OWNERS",
        None,
        "Owners of the assets in the Dagster UI, comma-separated: emails or team:<name>.",
    ),
    Setting(
        "SYNCRAG_ASSET_TAGS",
        None,
        "Tags of the assets in the Dagster UI, comma-separated key=value pairs.",
    ),
    Setting(
        "SYNCRAG_CODE_GIT_URL",
        None,
        "Repository URL (e.g. https://github.com/you/syncrag) the UI's code references link "
        "to; unset = links to the local source files.",
    ),
    Setting("SYNCRAG_CODE_GIT_BRANCH", "main", "Branch or commit of SYNCRAG_CODE_GIT_URL."),
    Setting(
        "DAGSTER_HOME",
        f"{_HOME_MARK}/dagster",
        "Dagster instance folder (runs, sensor cursors, the run queue's limits) of the CLI, the "
        "daemon and the UI.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The resolved settings; secrets are not held here, only whether they are set."""

    home: Path
    sync_api_url: str
    project_id: str
    aud_host: str
    signing_key_set: bool
    signing_key_path: str
    token_lifetime_seconds: int
    state_url: str
    qdrant_url: str | None
    qdrant_api_key_set: bool
    qdrant_edge_path: str
    embedding_backend: str
    embedding_model: str | None
    embedding_device: str
    model_dir: str
    embedding_batch_size: int
    chunk_overlap_tokens: int
    record_batch_size: int
    page_size: int
    reconcile_max_delete_share: float
    extraction_limits: ExtractionLimits
    webhook_secret_set: bool
    sensor_interval_seconds: int
    inbox_retention_hours: int
    run_batch_users: int
    incremental_poll_cron: str
    full_reconcile_cron: str
    stale_after_hours: int
    asset_owners: tuple[str, ...]
    asset_tags: Mapping[str, str]
    code_git_url: str | None
    code_git_branch: str
    dagster_home: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        home = resolve_home(environ)

        def get(name: str) -> str | None:
            value = environ.get(name)
            if value is not None and value.strip() != "":
                return value
            default = _DEFAULTS[name]
            return default.replace(_HOME_MARK, str(home)) if default is not None else None

        return cls(
            home=home,
            sync_api_url=_required(get, "SYNCRAG_SYNC_API_URL"),
            project_id=_required(get, "SYNCRAG_PARAGON_PROJECT_ID"),
            aud_host=_required(get, "SYNCRAG_PARAGON_AUD_HOST"),
            signing_key_set=bool(environ.get("SYNCRAG_SIGNING_KEY")),
            signing_key_path=_required(get, "SYNCRAG_SIGNING_KEY_PATH"),
            token_lifetime_seconds=_int(get, "SYNCRAG_TOKEN_LIFETIME_SECONDS", minimum=60),
            state_url=_required(get, "SYNCRAG_STATE_URL"),
            qdrant_url=get("QDRANT_URL"),
            qdrant_api_key_set=bool(environ.get("QDRANT_API_KEY")),
            qdrant_edge_path=_required(get, "SYNCRAG_QDRANT_EDGE_PATH"),
            embedding_backend=_required(get, "SYNCRAG_EMBEDDING_BACKEND"),
            embedding_model=get("SYNCRAG_EMBEDDING_MODEL"),
            embedding_device=_required(get, "SYNCRAG_EMBEDDING_DEVICE"),
            model_dir=str(default_model_dir(environ)),
            embedding_batch_size=_int(get, "SYNCRAG_EMBEDDING_BATCH_SIZE", minimum=1),
            chunk_overlap_tokens=_int(get, "SYNCRAG_CHUNK_OVERLAP_TOKENS", minimum=0),
            record_batch_size=_int(get, "SYNCRAG_RECORD_BATCH_SIZE", minimum=1),
            page_size=_int(get, "SYNCRAG_PAGE_SIZE", minimum=1, maximum=1000),
            reconcile_max_delete_share=_share(get, "SYNCRAG_RECONCILE_MAX_DELETE_SHARE"),
            extraction_limits=ExtractionLimits(
                download_bytes=_int(get, "SYNCRAG_MAX_DOWNLOAD_MB", minimum=1) * MB,
                expanded_bytes=_int(get, "SYNCRAG_MAX_EXPANDED_MB", minimum=1) * MB,
                compression_ratio=_int(get, "SYNCRAG_MAX_COMPRESSION_RATIO", minimum=2),
                memory_bytes=_int(get, "SYNCRAG_EXTRACT_MEMORY_MB", minimum=64) * MB,
                seconds=_int(get, "SYNCRAG_EXTRACT_TIMEOUT_SECONDS", minimum=1),
                text_bytes=_int(get, "SYNCRAG_MAX_TEXT_MB", minimum=1) * MB,
            ),
            webhook_secret_set=bool(environ.get("SYNCRAG_WEBHOOK_SECRET")),
            sensor_interval_seconds=_int(get, "SYNCRAG_SENSOR_INTERVAL_SECONDS", minimum=1),
            inbox_retention_hours=_int(get, "SYNCRAG_INBOX_RETENTION_HOURS", minimum=1),
            run_batch_users=_int(get, "SYNCRAG_RUN_BATCH_USERS", minimum=1, maximum=1000),
            incremental_poll_cron=_required(get, "SYNCRAG_INCREMENTAL_POLL_CRON"),
            full_reconcile_cron=_required(get, "SYNCRAG_FULL_RECONCILE_CRON"),
            stale_after_hours=_int(get, "SYNCRAG_STALE_AFTER_HOURS", minimum=1),
            asset_owners=_owners(get, "SYNCRAG_ASSET_OWNERS"),
            asset_tags=_tags(get, "SYNCRAG_ASSET_TAGS"),
            code_git_url=get("SYNCRAG_CODE_GIT_URL"),
            code_git_branch=_required(get, "SYNCRAG_CODE_GIT_BRANCH"),
            dagster_home=_required(get, "DAGSTER_HOME"),
        )


def resolve_home(environ: Mapping[str, str]) -> Path:
    """SYNCRAG_HOME (default `.syncrag`) as an absolute path, taken from the working folder when
    it is relative."""
    raw = (environ.get(HOME_SETTING) or "").strip() or DEFAULT_HOME
    return Path(raw).expanduser().resolve()


_DEFAULTS: dict[str, str | None] = {s.name: s.default for s in SETTINGS}


def _required(get: _Getter, name: str) -> str:
    value = get(name)
    if value is None:
        raise SettingsError(f"Set {name}: it has no default.")
    return value


def _int(get: _Getter, name: str, *, minimum: int, maximum: int | None = None) -> int:
    raw = _required(get, name)
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"Set {name} to a whole number (it is {raw!r}).") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"at least {minimum}" + (f" and at most {maximum}" if maximum else "")
        raise SettingsError(f"Set {name} to a number {bounds} (it is {value}).")
    return value


def _share(get: _Getter, name: str) -> float:
    raw = _required(get, name)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"Set {name} to a share between 0 and 1 (it is {raw!r}).") from None
    if not 0.0 <= value <= 1.0:
        raise SettingsError(f"Set {name} to a share between 0 and 1 (it is {value}).")
    return value


# What Dagster accepts: an owner is an email or team:<name>; a tag's key and value are short
# names (a key may have one prefix/).
_OWNER = re.compile(r"^(team:\S+|[^@\s]+@[^@\s]+\.[^@\s]+)$")
_TAG_NAME = r"[A-Za-z0-9_.-]{1,63}"
_TAG_KEY = re.compile(rf"^({_TAG_NAME}/)?{_TAG_NAME}$")
_TAG_VALUE = re.compile(rf"^{_TAG_NAME}$")


def _items(get: _Getter, name: str) -> list[str]:
    return [item.strip() for item in (get(name) or "").split(",") if item.strip()]


def _owners(get: _Getter, name: str) -> tuple[str, ...]:
    owners = _items(get, name)
    for owner in owners:
        if not _OWNER.match(owner):
            raise SettingsError(
                f"Set {name} to emails or team:<name>, comma-separated ({owner!r} is neither)."
            )
    return tuple(owners)


def _tags(get: _Getter, name: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in _items(get, name):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not _TAG_KEY.match(key) or not _TAG_VALUE.match(value):
            raise SettingsError(
                f"Set {name} to key=value pairs, comma-separated, of letters, digits, '_', '-' "
                f"and '.' ({item!r} is not one)."
            )
        tags[key] = value
    return tags


def settings_table() -> str:
    """The README's configuration table, generated so that it cannot drift from the code."""
    rows = ["| variable | default | what it sets |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default is not None else "(unset)"
        rows.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)
