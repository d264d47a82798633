"""Permission hints: who may read a file, asked of the Permissions API when the file is indexed,
and the confirmation a permission-aware query asks for its hits.

A hint is the list of emails that hold `can_read` on the record (the API counts writers and
owners as readers), lower-cased, stored on every chunk point as `readers`. No hint means
"unknown", never "nobody": records of syncs without permission sync, failed lookups, empty or
truncated lists. Hints are as fresh as the record's last indexing, so queries confirm them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from resources.state import LedgerRecord
from resources.sync_api import (
    AccessCheck,
    AccessCheckResult,
    SyncApiAuthError,
    SyncApiBadRequest,
    SyncApiClient,
    SyncApiError,
    SyncApiNotFound,
)

logger = logging.getLogger("syncrag.ingest")

READ_ROLE = "can_read"
# list-users answers at most this many users; a full list may have been cut short.
LIST_USERS_LIMIT = 1000
# After this many failed lookups in a row on one sync, stop asking for the rest of the run: a
# retried outage costs seconds per record, and every record indexes fine without hints.
MAX_CONSECUTIVE_FAILURES = 3
# Checks per batch-check request (the API documents no limit; keep requests small).
BATCH_CHECK_SIZE = 100


class HintOutcome(Enum):
    """What asking for a record's readers gave."""

    READERS = "readers"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"


@dataclass(frozen=True)
class ReaderHint:
    """The readers to store (None: store no hint) and how they were obtained."""

    readers: list[str] | None
    outcome: HintOutcome


_NO_HINT = ReaderHint(None, HintOutcome.NOT_APPLICABLE)
_FAILED = ReaderHint(None, HintOutcome.FAILED)


def normalize_email(email: str) -> str:
    """`user:Ana@Acme.com` and `ana@acme.com` name the same reader."""
    return email.strip().removeprefix("user:").strip().lower()


class ReaderHints:
    """Looks up the readers of file records for one indexing pass.

    Not thread-safe: one reader thread owns it. Remembers, for the pass, the syncs that answered
    that they have no permission sync (400 / 404) and those whose lookups keep failing.
    """

    def __init__(self, client: SyncApiClient) -> None:
        self._client = client
        self._without_permissions: set[str] = set()
        self._given_up: set[str] = set()
        self._failures: dict[str, int] = {}

    def readers_of(self, record: LedgerRecord) -> ReaderHint:
        """The record's readers, or no hint; raises only SyncApiAuthError (a refused token)."""
        sync_id = record.sync_id
        if sync_id in self._without_permissions:
            return _NO_HINT
        if sync_id in self._given_up:
            return _FAILED
        try:
            users = self._client.list_users(
                record.user_id, sync_id, record.record_id, role=READ_ROLE
            )
        except (SyncApiBadRequest, SyncApiNotFound) as exc:
            # The sync's integration has no permission sync (or the sync is gone): not an error.
            logger.info("sync %s has no permission data (%s); indexing without hints", sync_id, exc)
            self._without_permissions.add(sync_id)
            return _NO_HINT
        except SyncApiAuthError:
            # The Permissions API takes the Sync API's token: a refusal is a setting to fix that
            # fails the run, not an outage to index around.
            raise
        except SyncApiError as exc:  # 429/5xx after retries, or an answer of the wrong shape
            return self._failed(record, exc)
        except Exception as exc:  # a hint is never worth failing a record over
            logger.exception("unexpected failure asking who may read record %s", record.record_id)
            return self._failed(record, exc)
        self._failures.pop(sync_id, None)
        readers = sorted({normalize_email(u) for u in users if normalize_email(u)})
        if not readers or len(users) >= LIST_USERS_LIMIT:
            # Empty: not known yet (every file has an owner). At the limit: maybe cut short.
            return _NO_HINT
        return ReaderHint(readers, HintOutcome.READERS)

    def _failed(self, record: LedgerRecord, exc: Exception) -> ReaderHint:
        sync_id = record.sync_id
        failures = self._failures.get(sync_id, 0) + 1
        self._failures[sync_id] = failures
        logger.warning(
            "could not ask the Permissions API who may read %s (%s); indexing it without hints",
            record.name or record.record_id,
            exc,
        )
        if failures >= MAX_CONSECUTIVE_FAILURES:
            logger.warning(
                "the Permissions API failed %d times in a row for sync %s; the rest of its "
                "records in this run are indexed without hints",
                failures,
                sync_id,
            )
            self._given_up.add(sync_id)
        return _FAILED


class AccessChecker(Protocol):
    """The part of the Permissions API a query needs (SyncApiClient has it)."""

    def batch_check_access(
        self, user_id: str, sync_id: str, checks: Sequence[AccessCheck]
    ) -> list[AccessCheckResult]: ...


@dataclass(frozen=True)
class AccessDecisions:
    """Which records of a query's hits `email` may read, and which could not be confirmed."""

    allowed: frozenset[tuple[str, str]]
    denied: frozenset[tuple[str, str]]
    unconfirmed: frozenset[tuple[str, str]]


def confirm_readers(
    checker: AccessChecker, user_id: str, email: str, records: Iterable[tuple[str, str]]
) -> AccessDecisions:
    """Asks the Permissions API whether `email` may read each (sync id, record id).

    A record is allowed only on an explicit yes: a per-check error, a sync without permission
    sync (400 or 404, logged at INFO: it is the documented case) or an unreachable API (logged
    as a warning) leaves it unconfirmed, which a query withholds. A refused
    token raises SyncApiAuthError: it is a setting to fix, not an answer about the records.
    """
    by_sync: dict[str, list[str]] = {}
    for sync_id, record_id in dict.fromkeys(records):
        by_sync.setdefault(sync_id, []).append(record_id)
    allowed: set[tuple[str, str]] = set()
    denied: set[tuple[str, str]] = set()
    unconfirmed: set[tuple[str, str]] = set()
    for sync_id, record_ids in by_sync.items():
        if not sync_id:  # a point without its sync cannot be checked
            unconfirmed.update((sync_id, rid) for rid in record_ids)
            continue
        for start in range(0, len(record_ids), BATCH_CHECK_SIZE):
            batch = record_ids[start : start + BATCH_CHECK_SIZE]
            checks = [AccessCheck(rid, f"user:{email}", READ_ROLE) for rid in batch]
            try:
                results = checker.batch_check_access(user_id, sync_id, checks)
            except SyncApiAuthError:
                raise  # nothing can be confirmed until the token is fixed: say so, do not withhold
            except (SyncApiBadRequest, SyncApiNotFound) as exc:
                # The documented answer of a sync without permission sync (contacts, tickets:
                # docs/sync-api.md section 3), not a fault: withheld all the same, said quietly.
                logger.info(
                    "sync %s has no permission data (the Permissions API answered %s %s); its "
                    "%d record(s) cannot be confirmed and are withheld",
                    sync_id,
                    exc.status_code,
                    exc.body_excerpt,
                    len(batch),
                )
                unconfirmed.update((sync_id, rid) for rid in batch)
                continue
            except SyncApiError as exc:
                logger.warning(
                    "could not confirm access to %d record(s) of sync %s (%s); withholding them",
                    len(batch),
                    sync_id,
                    exc,
                )
                unconfirmed.update((sync_id, rid) for rid in batch)
                continue
            for rid, result in zip(batch, results, strict=True):
                if result.error is not None:
                    unconfirmed.add((sync_id, rid))
                elif result.allowed:
                    allowed.add((sync_id, rid))
                else:
                    denied.add((sync_id, rid))
    return AccessDecisions(frozenset(allowed), frozenset(denied), frozenset(unconfirmed))
