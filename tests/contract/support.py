"""What the contract tests share: the running emulator behind either transport, and the corpus.

`ContractEnv` is one emulator app (no timers: scans run through its admin routes) reachable by
the real `SyncApiClient`, in-process or over a real socket; corpus helpers write the source folder
`<root>/<user>/<integration>/<pipeline>/...` and read back what it holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator import EmulatorConfig
from emulator.testing import WebhookRecorder
from resources.sync_api import RetryPolicy, SyncApiClient, SyncedRecord, UserTokenSigner
from tests.contract.transports import RecordingTransport

USER = "ana"
OTHER_USER = "bruno"
INTEGRATION = "googledrive"
PERMISSIONS_SUFFIX = ".permissions.json"


@dataclass(frozen=True)
class KeyPair:
    """An RSA signing key pair as PEM text (private: PKCS#8)."""

    private_pem: str = field(repr=False)
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private.decode("ascii"), public.decode("ascii"))


class FakeTime:
    """A monotonic clock that moves only when the client sleeps; keeps every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@dataclass
class ContractEnv:
    """One emulator app reached by the real client; `kind` is `in_process` or `socket`."""

    kind: str
    base_url: str
    root: Path
    config: EmulatorConfig
    keys: KeyPair
    webhooks: WebhookRecorder
    new_transport: Callable[[], httpx.BaseTransport]
    _clients: list[SyncApiClient | httpx.Client] = field(default_factory=list)

    def signer(self, **overrides: Any) -> UserTokenSigner:
        """A signer for this emulator's project; `overrides` change key, project, host, clock."""
        settings: dict[str, Any] = {
            "private_key_pem": self.keys.private_pem,
            "project_id": self.config.project_id,
            "aud_host": self.config.aud_host,
        }
        settings.update(overrides)
        return UserTokenSigner(**settings)

    def client(
        self,
        signer: UserTokenSigner | None = None,
        *,
        retry: RetryPolicy | None = None,
        time: FakeTime | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> SyncApiClient:
        """A real SyncApiClient; it never really sleeps (a FakeTime takes the waits)."""
        fake = time or FakeTime()
        client = SyncApiClient(
            self.base_url,
            signer or self.signer(),
            transport=transport or self.new_transport(),
            retry=retry or RetryPolicy(),
            sleep=fake.sleep,
            clock=fake.clock,
        )
        self._clients.append(client)
        return client

    def recording_client(
        self, signer: UserTokenSigner | None = None, **kwargs: Any
    ) -> tuple[SyncApiClient, RecordingTransport]:
        """A client whose raw exchanges are kept, to check them against the SPEC."""
        recorder = RecordingTransport(self.new_transport())
        return self.client(signer, transport=recorder, **kwargs), recorder

    def http(self) -> httpx.Client:
        """A plain httpx client on the emulator: admin routes and hand-made requests."""
        client = httpx.Client(base_url=self.base_url, transport=self.new_transport())
        self._clients.append(client)
        return client

    def auth(self, user: str, signer: UserTokenSigner | None = None) -> dict[str, str]:
        """The Authorization header the client would send for `user`."""
        return {"Authorization": f"Bearer {(signer or self.signer()).token_for(user)}"}

    def admin(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call an admin route `/_emulator/...` and return its JSON (raises on non-2xx)."""
        with httpx.Client(base_url=self.base_url, transport=self.new_transport()) as http:
            response = http.request(method, f"/_emulator/{path}", json=body)
            response.raise_for_status()
            return response.json()

    def run(self, sync_id: str, kind: str = "incremental") -> dict[str, Any]:
        """Scan the sync's folder now: `{kind, created, updated, deleted}`."""
        return self.admin("POST", f"syncs/{sync_id}/run", {"kind": kind})

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change the emulator's injected faults (restarts their seeded RNGs)."""
        return self.admin("POST", "faults", changes)

    def flush_webhooks(self) -> dict[str, Any]:
        """Deliver every queued webhook to `webhooks` now."""
        return self.admin("POST", "webhooks/flush")

    def folder(
        self, user: str = USER, pipeline: str = "files", integration: str = INTEGRATION
    ) -> Path:
        """The source folder of one user's pipeline of an integration (created if absent)."""
        path = self.root / user / integration / pipeline
        path.mkdir(parents=True, exist_ok=True)
        return path

    def close(self) -> None:
        for client in self._clients:
            client.close()


def write(folder: Path, rel: str, content: bytes | str) -> Path:
    """Write one source file (parents created); returns its path."""
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return path


def write_jsonl(folder: Path, rel: str, objects: Iterable[Mapping[str, Any]]) -> Path:
    """A CRM source file: one JSON object per line."""
    return write(folder, rel, "".join(json.dumps(obj) + "\n" for obj in objects))


def share(file: Path, **roles: list[str]) -> None:
    """Write `file`'s permissions sidecar: `share(f, can_read=[...], is_owner=[...])`."""
    write(file.parent, file.name + PERMISSIONS_SUFFIX, json.dumps(roles))


def digests(folder: Path) -> dict[str, str]:
    """What a files sync should hold: relative posix path -> SHA-256 of every source file."""
    found: dict[str, str] = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        hidden = any(part.startswith(".") for part in rel.split("/"))
        if path.is_file() and not hidden and not rel.endswith(PERMISSIONS_SUFFIX):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def version(record: SyncedRecord) -> str:
    """What tells two versions of a file record apart: its content hash (or the deletion)."""
    if record.deleted:
        return "deleted"
    return str(record.raw["hash"]["sha256"])


def live_state(records: Iterable[SyncedRecord]) -> dict[str, str]:
    """externalId -> version of every record whose latest appearance is not a tombstone."""
    latest: dict[str, SyncedRecord] = {}
    for record in records:
        latest[record.id] = record
    return {
        str(record.external_id): version(record) for record in latest.values() if not record.deleted
    }
