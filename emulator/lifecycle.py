"""Sync lifecycle as Paragon runs it: enable, initial/incremental/full scans, pause, delete."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from emulator.config import EmulatorConfig
from emulator.errors import BadRequest, Conflict, NotFound
from emulator.folder_source import SUPPORTED_PIPELINES, scan_source
from emulator.ids import credential_id, sync_id
from emulator.scanning import SCAN_KINDS, ScanCounts, ScanKind, apply_scan, known_files
from emulator.source_paths import is_safe_segment, source_folder
from emulator.state import EmulatorState, SyncState
from emulator.store import StateStore
from emulator.timestamps import iso
from emulator.webhooks import WebhookDispatcher, envelope

_FREQUENCY = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SCANNABLE = ("INITIALIZING", "IDLE")


def frequency_seconds(value: str) -> float:
    """Seconds of an `incrementalAccumulatorFrequency` such as `1m`, `30s`, `1h` or `1d`."""
    match = _FREQUENCY.match(value)
    if match is None or int(match.group(1)) == 0:
        raise BadRequest(
            f"incrementalAccumulatorFrequency {value!r} must be a positive count and a unit "
            "(s, m, h or d), e.g. '1m' or '1h'."
        )
    return float(int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _optional_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not (isinstance(value, str) and value):
        raise BadRequest(f"`{name}` must be a non-empty string when given.")
    return value


class SyncLifecycle:
    """All sync operations over one EmulatorState; every change is saved and may queue webhooks."""

    def __init__(
        self,
        config: EmulatorConfig,
        state: EmulatorState,
        store: StateStore,
        webhooks: WebhookDispatcher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.state = state
        self._store = store
        self._webhooks = webhooks
        self._clock = clock
        # One scan at a time: scans read the disk outside the state lock.
        self._scan_lock = threading.Lock()

    def _save(self) -> None:
        self._store.save(self.state)

    def sync_of(self, user_id: str, sync_id_: str) -> SyncState:
        """The user's sync; another user's sync is as absent as an unknown one (404)."""
        with self.state.lock:
            sync = self.state.syncs.get(sync_id_)
            if sync is None or sync.user_id != user_id:
                raise NotFound("Sync not found")
            return sync

    def enable(self, user_id: str, body: Mapping[str, Any]) -> SyncState:
        """Create the sync described by `body`, or return the existing identical one."""
        integration = body.get("integration")
        pipeline = body.get("pipeline")
        if not isinstance(integration, str) or not is_safe_segment(integration):
            raise BadRequest("`integration` is required: a name such as 'googledrive'.")
        if pipeline not in SUPPORTED_PIPELINES:
            raise BadRequest(f"`pipeline` is required: one of {', '.join(SUPPORTED_PIPELINES)}.")
        configuration = body.get("configuration")
        configuration = {} if configuration is None else configuration
        if not isinstance(configuration, dict):
            raise BadRequest("`configuration` must be an object when given.")
        name = _optional_str(body, "configurationName") or "default"
        credential = _optional_str(body, "credentialId")
        new_id = sync_id(self.config.project_id, user_id, integration, pipeline, name)
        now = self._clock()
        with self.state.lock:
            existing = self.state.syncs.get(new_id)
            if existing is not None:
                return existing
            sync = SyncState(
                id=new_id,
                user_id=user_id,
                integration=integration,
                pipeline=pipeline,
                configuration=configuration,
                configuration_name=name,
                credential_id=credential
                or credential_id(self.config.project_id, user_id, integration),
                status="INITIALIZING",
                date_created=now,
                date_updated=now,
                enabled_at=now,
            )
            self.state.syncs[new_id] = sync
            self._save()
            return sync

    def list_syncs(self, user_id: str, credential: str | None) -> list[SyncState]:
        """The user's syncs, optionally only those of one credential."""
        with self.state.lock:
            return [
                sync
                for sync in self.state.syncs.values()
                if sync.user_id == user_id and credential in (None, sync.credential_id)
            ]

    def update(self, user_id: str, sync_id_: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a PATCH: a new credential asks for a full sync; a frequency applies next run."""
        accepted: dict[str, Any] = {}
        credential = _optional_str(body, "credentialId")
        frequency = _optional_str(body, "incrementalAccumulatorFrequency")
        if credential is None and frequency is None:
            raise BadRequest(
                "Give at least one of `credentialId` and `incrementalAccumulatorFrequency`."
            )
        if frequency is not None:
            frequency_seconds(frequency)
            accepted["incrementalAccumulatorFrequency"] = frequency
        with self.state.lock:
            sync = self.sync_of(user_id, sync_id_)
            if credential is not None:
                accepted["credentialId"] = credential
                sync.credential_id = credential
                sync.full_sync_requested = True
            if frequency is not None:
                sync.incremental_frequency = frequency
            sync.date_updated = self._clock()
            self._save()
        return accepted

    def disable(self, user_id: str, sync_id_: str) -> SyncState:
        """Pause: no scans until re-enabled; records stay readable."""
        with self.state.lock:
            sync = self.sync_of(user_id, sync_id_)
            sync.status = "DISABLED"
            sync.date_updated = self._clock()
            self._save()
            return sync

    def reenable(self, user_id: str, sync_id_: str) -> SyncState:
        """Resume a DISABLED or ERRORED sync where it left off (INITIALIZING if never synced)."""
        with self.state.lock:
            sync = self.sync_of(user_id, sync_id_)
            if sync.status in ("DISABLED", "ERRORED"):
                now = self._clock()
                sync.status = "IDLE" if sync.last_synced_at is not None else "INITIALIZING"
                sync.reason = None
                sync.enabled_at = now
                sync.date_updated = now
                self._save()
            return sync

    def delete(self, user_id: str, sync_id_: str) -> None:
        """Remove the sync and all its records."""
        with self.state.lock:
            sync = self.sync_of(user_id, sync_id_)
            del self.state.syncs[sync.id]
            self._save()

    def set_errored(self, sync_id_: str, message: str) -> SyncState:
        """Suspend a sync as a revoked credential would, with a `sync_errored` webhook."""
        with self.state.lock:
            sync = self.state.syncs.get(sync_id_)
            if sync is None:
                raise NotFound("Sync not found")
            sync.status = "ERRORED"
            sync.reason = message
            sync.date_updated = self._clock()
            self._save()
            body = envelope(sync, "sync_errored", error={"message": message})
        self._webhooks.enqueue(body)
        return sync

    def _interval(self, sync: SyncState) -> float:
        if sync.incremental_frequency is not None:
            return frequency_seconds(sync.incremental_frequency)
        return self.config.incremental_interval

    def due_scans(self) -> list[tuple[str, ScanKind]]:
        """The scans the schedule calls for now, one per sync at most."""
        now = self._clock()
        due: list[tuple[str, ScanKind]] = []
        with self.state.lock:
            for sync in self.state.syncs.values():
                if sync.scanning:
                    continue
                if sync.status == "INITIALIZING":
                    if now >= sync.enabled_at + self.config.initial_sync_delay:
                        due.append((sync.id, "initial"))
                elif sync.status == "IDLE":
                    last_full = sync.last_full_at or 0.0
                    last_incremental = sync.last_incremental_at or 0.0
                    if (
                        sync.full_sync_requested
                        or now - last_full >= self.config.full_sync_interval
                    ):
                        due.append((sync.id, "full"))
                    elif now - last_incremental >= self._interval(sync):
                        due.append((sync.id, "incremental"))
        return due

    def _begin_scan(self, sync_id_: str, kind: ScanKind) -> SyncState:
        with self.state.lock:
            sync = self.state.syncs.get(sync_id_)
            if sync is None:
                raise NotFound("Sync not found")
            if sync.status not in SCANNABLE:
                raise Conflict(f"Sync is {sync.status}; re-enable it before running a scan.")
            if kind == "initial" and sync.status != "INITIALIZING":
                raise Conflict("The initial sync already ran; run 'incremental' or 'full'.")
            if kind != "initial" and sync.status == "INITIALIZING":
                raise Conflict("The initial sync has not run yet; run 'initial' first.")
            sync.scanning = True
            return sync

    def run_scan(self, sync_id_: str, kind: ScanKind) -> ScanCounts:
        """Scan the sync's folder now (blocking) and queue the webhooks the scan calls for."""
        if kind not in SCAN_KINDS:
            raise BadRequest(f"Scan kind {kind!r} must be one of {', '.join(SCAN_KINDS)}.")
        with self._scan_lock:
            sync = self._begin_scan(sync_id_, kind)
            try:
                with self.state.lock:
                    known = known_files(sync)
                folder = source_folder(
                    self.config.root, sync.user_id, sync.integration, sync.pipeline
                )
                scan = scan_source(folder, sync.pipeline, known, self._clock())
            finally:
                with self.state.lock:
                    sync.scanning = False
            with self.state.lock:
                if self.state.syncs.get(sync.id) is not sync or sync.status not in SCANNABLE:
                    raise Conflict("The sync was disabled or deleted during the scan.")
                now = self._clock()
                counts = apply_scan(self.state, sync, scan, kind, now)
                self._finish(sync, kind, now)
                bodies = self._scan_webhooks(sync, counts, now)
                self._save()
        for body in bodies:
            self._webhooks.enqueue(body)
        return counts

    def _finish(self, sync: SyncState, kind: ScanKind, now: float) -> None:
        sync.last_synced_at = now
        sync.last_incremental_at = now
        sync.date_updated = now
        if kind != "incremental":
            sync.last_full_at = now
            sync.full_sync_requested = False
        if kind == "initial":
            sync.status = "IDLE"

    @staticmethod
    def _scan_webhooks(sync: SyncState, counts: ScanCounts, now: float) -> list[dict[str, Any]]:
        model = sync.pipeline
        if counts.kind == "initial":
            data = {"model": model, "syncedAt": iso(now), "numRecords": sync.active_count()}
            return [envelope(sync, "sync_complete", data=data)]
        bodies = [
            envelope(sync, event, data={"recordId": rid, "model": model})
            for event, ids in (
                ("record_created", counts.created),
                ("record_updated", counts.updated),
            )
            for rid in ids
        ]
        # Deletions come as one batch after the full sync succeeded.
        bodies += [
            envelope(sync, "record_deleted", data={"model": model, "recordId": rid})
            for rid in counts.deleted
        ]
        return bodies
