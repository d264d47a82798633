"""Settings of one emulator: where the source folder and state live, auth, timing, faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PROJECT_ID = "5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass
class FaultConfig:
    """Faults to inject; every share is a probability in [0, 1] drawn from a seeded RNG."""

    rate_429: float = 0.0
    retry_after_s: int = 1
    rate_5xx: float = 0.0
    latency_ms: int = 0
    webhook_drop: float = 0.0
    webhook_duplicate: float = 0.0
    webhook_reorder: float = 0.0
    # "error": the page after `feed_break_after_pages` pages of one listing answers 500;
    # "truncate": it answers an empty page claiming remainingRecords=0 (a silent cut).
    feed_break: str = "none"
    feed_break_after_pages: int = 1
    # Every Permissions API request (`/api/permissions/...`) answers this status; 0 = off.
    permissions_status: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in (
            "rate_429",
            "rate_5xx",
            "webhook_drop",
            "webhook_duplicate",
            "webhook_reorder",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Fault share {name}={value} must be between 0 and 1.")
        if self.feed_break not in ("none", "error", "truncate"):
            raise ValueError(
                f"Fault feed_break={self.feed_break!r} must be 'none', 'error' or 'truncate'."
            )
        if self.feed_break_after_pages < 1:
            raise ValueError("Fault feed_break_after_pages must be at least 1.")
        if self.permissions_status and not 400 <= self.permissions_status <= 599:
            raise ValueError("Fault permissions_status must be 0 (off) or an HTTP error status.")
        if self.latency_ms < 0 or self.retry_after_s < 0:
            raise ValueError("Fault latency_ms and retry_after_s must not be negative.")


@dataclass
class EmulatorConfig:
    """Everything one emulator app needs; `root` holds `<user>/<integration>/<pipeline>/...`."""

    root: Path
    public_key_pem: str
    # None keeps state in memory only (tests); the CLI passes `.syncrag/emulator` by default.
    state_dir: Path | None = None
    project_id: str = DEFAULT_PROJECT_ID
    aud_host: str = "useparagon.com"
    incremental_interval: float = 60.0
    full_sync_interval: float = 86400.0
    initial_sync_delay: float = 0.5
    webhook_url: str | None = None
    webhook_headers: dict[str, str] = field(default_factory=dict)
    webhook_max_attempts: int = 5
    webhook_backoff_s: float = 0.5
    webhook_timeout_s: float = 10.0
    page_size: int = DEFAULT_PAGE_SIZE
    max_page_size: int = MAX_PAGE_SIZE
    token_leeway_s: float = 30.0
    admin_enabled: bool = True
    faults: FaultConfig = field(default_factory=FaultConfig)

    @property
    def audience(self) -> str:
        """The `aud` claim a user token must carry."""
        return f"{self.aud_host}/{self.project_id}"

    def __repr__(self) -> str:
        # Keep reprs short; the public key is not secret but is noise in logs.
        return (
            f"EmulatorConfig(root={self.root!s}, state_dir={self.state_dir!s}, "
            f"project_id={self.project_id}, webhook_url={self.webhook_url!r})"
        )
