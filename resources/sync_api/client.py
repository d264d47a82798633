"""The Sync API and Permissions API client: one method per endpoint of docs/sync-api.md
sections 2 and 3."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from resources.sync_api.errors import SyncApiProtocolError
from resources.sync_api.http import SyncApiHttp
from resources.sync_api.models import (
    AccessCheck,
    AccessCheckResult,
    Content,
    RecordPage,
    Sync,
    SyncedRecord,
)
from resources.sync_api.retry import RetryPolicy
from resources.sync_api.token import UserTokenSigner

logger = logging.getLogger("syncrag.sync_api")

CLOUD_BASE_URL = "https://sync.useparagon.com"
DEFAULT_RETRY = RetryPolicy()


class SyncApiClient:
    """Calls the Sync API as one Connected User per call: `user_id` comes first in every method.

    Use as a context manager or call `close()`. Errors are the typed `SyncApiError` subclasses.
    """

    def __init__(
        self,
        base_url: str,
        signer: UserTokenSigner,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = SyncApiHttp(
            base_url,
            signer,
            transport=transport,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"SyncApiClient(base_url={self._http.display_url!r})"

    def __enter__(self) -> SyncApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._http.closed

    def close(self) -> None:
        self._http.close()

    # Sync API (docs/sync-api.md section 2)

    def enable_sync(
        self,
        user_id: str,
        integration: str,
        pipeline: str,
        *,
        configuration: Mapping[str, Any] | None = None,
        configuration_name: str | None = None,
        credential_id: str | None = None,
    ) -> Sync:
        """Enables (starts) a sync of `integration`'s `pipeline` for the user."""
        body: dict[str, Any] = {
            "integration": integration,
            "pipeline": pipeline,
            # The documented example always sends an object, `{}` for a global sync.
            "configuration": dict(configuration or {}),
        }
        if configuration_name is not None:
            body["configurationName"] = configuration_name
        if credential_id is not None:
            body["credentialId"] = credential_id
        return Sync.from_json(self._http.request_json("POST", "/api/syncs", user_id, body=body))

    def list_syncs(self, user_id: str, *, credential_id: str | None = None) -> list[Sync]:
        """The user's syncs, optionally only those of one connected account."""
        params = {"credentialId": credential_id} if credential_id is not None else None
        body = self._http.request_json("GET", "/api/syncs", user_id, params=params)
        items = body.get("data") if isinstance(body, Mapping) else body
        if not isinstance(items, list):
            raise SyncApiProtocolError(
                "GET /api/syncs returned no `data` list of syncs.", method="GET", path="/api/syncs"
            )
        return [Sync.from_json(item) for item in items]

    def get_sync(self, user_id: str, sync_id: str) -> Sync:
        """One sync's status and summary."""
        body = self._http.request_json("GET", _sync_path(sync_id), user_id)
        return Sync.from_json(body, default_id=sync_id)

    def update_sync(
        self,
        user_id: str,
        sync_id: str,
        *,
        credential_id: str | None = None,
        incremental_accumulator_frequency: str | None = None,
    ) -> dict[str, Any]:
        """Changes a sync's credential and/or incremental frequency (applied asynchronously)."""
        body: dict[str, Any] = {}
        if credential_id is not None:
            body["credentialId"] = credential_id
        if incremental_accumulator_frequency is not None:
            body["incrementalAccumulatorFrequency"] = incremental_accumulator_frequency
        if not body:
            raise ValueError(
                "update_sync needs credential_id or incremental_accumulator_frequency (or both)"
            )
        return self._object_or_text("PATCH", _sync_path(sync_id), user_id, body=body)

    def disable_sync(self, user_id: str, sync_id: str) -> dict[str, Any]:
        """Pauses a sync (status becomes DISABLED)."""
        return self._object_or_text("POST", f"{_sync_path(sync_id)}/disable", user_id)

    def reenable_sync(self, user_id: str, sync_id: str) -> dict[str, Any]:
        """Resumes a disabled or errored sync from where it left off."""
        return self._object_or_text("POST", f"{_sync_path(sync_id)}/reenable", user_id)

    def delete_sync(self, user_id: str, sync_id: str) -> None:
        """Deletes a sync and all its synced objects; SyncApiNotFound if it does not exist."""
        self._http.request("DELETE", _sync_path(sync_id), user_id)

    def pull_records(
        self, user_id: str, sync_id: str, *, cursor: str | None = None, page_size: int = 100
    ) -> RecordPage:
        """One page of records synced after `cursor` (from the start when None)."""
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        params: dict[str, str | int] = {"pageSize": page_size}
        if cursor is not None:
            params["cursor"] = cursor
        path = f"{_sync_path(sync_id)}/records"
        return RecordPage.from_json(self._http.request_json("GET", path, user_id, params=params))

    def iter_record_pages(
        self, user_id: str, sync_id: str, *, cursor: str | None = None, page_size: int = 100
    ) -> Iterator[RecordPage]:
        """Every page after `cursor`, following cursors until caught up.

        The last page yielded tells whether the listing completed: if it is not `caught_up`, the
        API stopped giving a usable cursor and iteration ended early rather than loop.
        """
        while True:
            page = self.pull_records(user_id, sync_id, cursor=cursor, page_size=page_size)
            yield page
            if page.caught_up:
                return
            if page.cursor is None or page.cursor == cursor:
                logger.warning(
                    "sync %s returned a page with %s cursor and %s remaining records; "
                    "stopping here rather than loop",
                    sync_id,
                    "no" if page.cursor is None else "an unchanged",
                    page.remaining_records,
                )
                return
            cursor = page.cursor

    def get_record(self, user_id: str, sync_id: str, record_id: str) -> SyncedRecord:
        """One record (or its tombstone, with `deleted` true); SyncApiNotFound once it is gone."""
        body = self._http.request_json("GET", _record_path(sync_id, record_id), user_id)
        inner = body.get("data") if isinstance(body, Mapping) else None
        return SyncedRecord.from_json(inner if isinstance(inner, Mapping) else body)

    def download_content(
        self, user_id: str, sync_id: str, record_id: str, *, max_bytes: int | None = None
    ) -> Content:
        """A file's bytes (or a ticket's ZIP) with its MIME type.

        With `max_bytes`, the body is streamed and the download stops with ContentTooLarge as
        soon as more than `max_bytes` arrived, or at once when Content-Length announces more.
        """
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, not {max_bytes}")
        path = f"{_record_path(sync_id, record_id)}/content"
        response, data = self._http.download(path, user_id, max_bytes=max_bytes)
        content_type = response.headers.get("Content-Type") or "application/octet-stream"
        return Content(data=data, content_type=content_type)

    # Permissions API (docs/sync-api.md section 3)

    def check_access(
        self, user_id: str, sync_id: str, object_id: str, user: str, role: str = "can_read"
    ) -> bool:
        """Whether `user` (an email) holds `role` on the synced object `object_id`."""
        path = f"{_permissions_path(sync_id)}/check"
        body = self._http.request_json(
            "POST", path, user_id, body={"object": object_id, "user": user, "role": role}
        )
        allowed = _field(body, "hasAccess", "has_access", "allowed")
        if not isinstance(allowed, bool):
            raise SyncApiProtocolError(
                f"POST {path} returned no boolean `hasAccess`.", method="POST", path=path
            )
        return allowed

    def batch_check_access(
        self, user_id: str, sync_id: str, checks: Sequence[AccessCheck]
    ) -> list[AccessCheckResult]:
        """One result per check, in the order of `checks`."""
        if not checks:
            return []
        path = f"{_permissions_path(sync_id)}/batch-check"
        body = self._http.request_json(
            "POST", path, user_id, body={"checks": [check.to_json() for check in checks]}
        )
        results = _field(body, "result", "results")
        if not isinstance(results, list) or len(results) != len(checks):
            raise SyncApiProtocolError(
                f"POST {path} did not return one `result` per check ({len(checks)} sent).",
                method="POST",
                path=path,
            )
        return [
            AccessCheckResult.from_json(item, sent=check)
            for item, check in zip(results, checks, strict=True)
        ]

    def list_users(
        self, user_id: str, sync_id: str, object_id: str, role: str = "can_read"
    ) -> list[str]:
        """Emails of the users holding `role` on the object (at most 1000 by default)."""
        path = f"{_permissions_path(sync_id)}/list-users"
        body = self._http.request_json(
            "POST", path, user_id, body={"object": object_id, "role": role}
        )
        return _strings(body, "users", "POST", path)

    def list_objects(
        self,
        user_id: str,
        sync_id: str,
        user: str,
        role: str = "can_read",
        object_type: str = "file",
    ) -> list[str]:
        """Ids of the objects of `object_type` on which `user` holds `role` (at most 1000)."""
        path = f"{_permissions_path(sync_id)}/list-objects"
        body = self._http.request_json(
            "POST", path, user_id, body={"objectType": object_type, "user": user, "role": role}
        )
        return _strings(body, "objects", "POST", path)

    def _object_or_text(
        self, method: str, path: str, user_id: str, *, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        # Disable and re-enable bodies are undocumented: accept JSON, plain text or nothing.
        response = self._http.request(method, path, user_id, body=body)
        if not response.content.strip():
            return {}
        try:
            decoded = response.json()
        except ValueError:
            return {"message": response.text.strip()}
        return dict(decoded) if isinstance(decoded, Mapping) else {"data": decoded}


def _sync_path(sync_id: str) -> str:
    return f"/api/syncs/{_segment(sync_id)}"


def _record_path(sync_id: str, record_id: str) -> str:
    return f"{_sync_path(sync_id)}/records/{_segment(record_id)}"


def _permissions_path(sync_id: str) -> str:
    return f"/api/permissions/{_segment(sync_id)}"


def _segment(value: str) -> str:
    if not value:
        raise ValueError("ids in request paths must be non-empty strings")
    # Ids are UUIDs, but a stray "/" or "?" must not turn into another endpoint.
    return quote(value, safe="")


def _field(body: object, *keys: str) -> object:
    if isinstance(body, Mapping):
        for key in keys:
            if key in body:
                return body[key]
    return None


def _strings(body: object, key: str, method: str, path: str) -> list[str]:
    items = _field(body, key)
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise SyncApiProtocolError(
            f"{method} {path} returned no `{key}` list of strings.", method=method, path=path
        )
    return list(items)
