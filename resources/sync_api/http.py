"""One authorised, retried HTTP exchange with the Sync API, with statuses mapped to typed errors."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from resources.sync_api.errors import (
    ContentTooLarge,
    SyncApiAuthError,
    SyncApiBadRequest,
    SyncApiConfigError,
    SyncApiError,
    SyncApiNotFound,
    SyncApiProtocolError,
    SyncApiUnavailable,
    body_excerpt,
)
from resources.sync_api.retry import RetryPolicy, is_retryable_status, parse_retry_after
from resources.sync_api.settings import AUD_HOST_SETTING, PROJECT_ID_SETTING
from resources.sync_api.token import KEY_PATH_SETTING, KEY_SETTING, UserTokenSigner

logger = logging.getLogger("syncrag.sync_api")

USER_AGENT = "syncrag-sync-api-client/0.1"
# Error bodies are read this far, then cut to an excerpt.
ERROR_BODY_BYTES = 64 * 1024


class SyncApiHttp:
    """Sends requests as a given user: signs the token, retries blips, raises typed errors."""

    def __init__(
        self,
        base_url: str,
        signer: UserTokenSigner,
        *,
        transport: httpx.BaseTransport | None,
        timeout: float,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        url = httpx.URL(base_url.strip())
        if url.scheme not in {"http", "https"} or not url.host:
            raise SyncApiConfigError(
                f"The Sync API base URL {_without_userinfo(url)!r} is not an http(s) URL: set it "
                "to https://sync.useparagon.com, your on-prem https://ms-sync.<host>, or the "
                "emulator's address."
            )
        self.display_url = _without_userinfo(url)
        self._signer = signer
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._client = httpx.Client(
            base_url=url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
        )

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        user_id: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        """The successful response to `method path` as `user_id`, after retries."""
        response, _ = self._exchange(
            method, path, user_id, params=params, body=body, accept=accept, read=_read_all
        )
        return response

    def download(
        self, path: str, user_id: str, *, max_bytes: int | None, accept: str = "*/*"
    ) -> tuple[httpx.Response, bytes]:
        """The successful response to `GET path` and its body, streamed and read at most up to
        `max_bytes` (None: no limit); ContentTooLarge as soon as more arrives or is announced.

        Reading the body is part of the exchange: a connection that breaks mid-body is retried
        like one that breaks before the status line.
        """

        def read_limited(response: httpx.Response) -> bytes:
            return _read_limited(response, max_bytes, "GET", path)

        return self._exchange(
            "GET", path, user_id, params=None, body=None, accept=accept, read=read_limited
        )

    def _exchange(
        self,
        method: str,
        path: str,
        user_id: str,
        *,
        params: Mapping[str, str | int] | None,
        body: Mapping[str, Any] | None,
        accept: str,
        read: Callable[[httpx.Response], bytes],
    ) -> tuple[httpx.Response, bytes]:
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            headers = {
                "Authorization": f"Bearer {self._signer.token_for(user_id)}",
                "Accept": accept,
            }
            request = self._client.build_request(
                method, path, params=params, json=body, headers=headers
            )
            try:
                response = self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                self._wait_or_give_up(exc, method, path, attempt, started)
                continue
            try:
                logger.debug(
                    "%s %s -> %d (attempt %d)", method, path, response.status_code, attempt
                )
                if is_retryable_status(response.status_code):
                    retry_after = parse_retry_after(
                        response.headers.get("Retry-After"), now=_server_date(response)
                    )
                    delay = self._retry.next_delay(attempt, self._clock() - started, retry_after)
                    if delay is None:
                        raise self._unavailable(
                            response, _error_text(response), method, path, attempt
                        )
                    self._sleep(delay)
                    continue
                if response.status_code >= 400:
                    raise self._error_for(response, _error_text(response), method, path, user_id)
                try:
                    data = read(response)
                except httpx.TransportError as exc:
                    self._wait_or_give_up(exc, method, path, attempt, started)
                    continue
                return response, data
            finally:
                response.close()

    def _wait_or_give_up(
        self, exc: httpx.TransportError, method: str, path: str, attempt: int, started: float
    ) -> None:
        """Sleeps before the next attempt after a transport error, or raises SyncApiUnavailable."""
        logger.debug("%s %s -> %s (attempt %d)", method, path, type(exc).__name__, attempt)
        delay = self._retry.next_delay(attempt, self._clock() - started)
        if delay is None:
            raise SyncApiUnavailable(
                f"Could not reach the Sync API at {self.display_url} for {method} {path} "
                f"after {attempt} attempt(s) ({type(exc).__name__}: {exc}): check that it "
                "is running and reachable, then try again.",
                method=method,
                path=path,
            ) from exc
        self._sleep(delay)

    def request_json(
        self,
        method: str,
        path: str,
        user_id: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON body of a successful response."""
        response = self.request(method, path, user_id, params=params, body=body)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SyncApiProtocolError(
                f"{method} {path} returned {response.status_code} with a body that is not JSON.",
                status_code=response.status_code,
                method=method,
                path=path,
                body=response.text,
            ) from None

    def _unavailable(
        self, response: httpx.Response, text: str, method: str, path: str, attempts: int
    ) -> SyncApiUnavailable:
        return SyncApiUnavailable(
            f"The Sync API at {self.display_url} kept answering {method} {path} with "
            f"{response.status_code} {response.reason_phrase} after {attempts} attempt(s): "
            "it is overloaded or down; try again later.",
            status_code=response.status_code,
            method=method,
            path=path,
            body=text,
        )

    def _error_for(
        self, response: httpx.Response, text: str, method: str, path: str, user_id: str
    ) -> SyncApiError:
        status = response.status_code
        excerpt = body_excerpt(text)
        said = f" (the API said: {excerpt})" if excerpt else ""

        def error(kind: type[SyncApiError], message: str) -> SyncApiError:
            return kind(message, status_code=status, method=method, path=path, body=text)

        exchange = f"{method} {path} returned {status}"
        if status in {401, 403}:
            return error(
                SyncApiAuthError,
                f"The Sync API refused the user token for user {user_id!r} ({exchange}){said}: "
                f"{self._auth_settings_hint()}",
            )
        if status == 404:
            return error(
                SyncApiNotFound,
                f"{exchange} for user {user_id!r}{said}: the sync or record does not exist for "
                "this user (never enabled, deleted, or owned by another user).",
            )
        if status == 400:
            return error(
                SyncApiBadRequest,
                f"{exchange}{said}: the API rejected the request's parameters; check them "
                "against docs/sync-api.md.",
            )
        if status >= 500:
            return error(
                SyncApiUnavailable,
                f"{exchange}{said}: the Sync API failed on its side; try again later.",
            )
        return error(SyncApiError, f"{exchange}{said}.")

    def _auth_settings_hint(self) -> str:
        # The API says only "Unauthorized", whatever the cause: name every setting that makes
        # up the token, with what this client sends where that is not a secret.
        if self._signer.key_source in {KEY_SETTING, KEY_PATH_SETTING}:
            key = self._signer.key_source
        else:
            key = f"{KEY_SETTING} / {KEY_PATH_SETTING}"
        return (
            f"fix {key} if the signing key is not the one whose public half Paragon holds for "
            f"the project, {PROJECT_ID_SETTING} or {AUD_HOST_SETTING} if the token's aud claim "
            f"{self._signer.audience!r} does not name your Paragon host and project, or this "
            "machine's clock if the token expired early through clock skew."
        )


def _read_all(response: httpx.Response) -> bytes:
    return response.read()


def _error_text(response: httpx.Response) -> str:
    """The start of an error response's body, enough for an excerpt: an error body is not
    worth unbounded memory either."""
    received = bytearray()
    try:
        for chunk in response.iter_bytes():
            received += chunk
            if len(received) >= ERROR_BODY_BYTES:
                break
    except httpx.TransportError:
        pass  # the status already says what went wrong
    return bytes(received[:ERROR_BODY_BYTES]).decode(response.encoding or "utf-8", "replace")


def _read_limited(response: httpx.Response, max_bytes: int | None, method: str, path: str) -> bytes:
    """The body, unless the server announces or sends more than `max_bytes`."""
    if max_bytes is None:
        return response.read()
    announced = _content_length(response)
    if announced is not None and announced > max_bytes:
        raise ContentTooLarge(max_bytes, method=method, path=path, announced_bytes=announced)
    received = bytearray()
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) > max_bytes:
            raise ContentTooLarge(max_bytes, method=method, path=path)
    return bytes(received)


def _content_length(response: httpx.Response) -> int | None:
    # A compressed body's Content-Length says nothing certain about its decoded size.
    if response.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        return None
    try:
        return int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None


def _server_date(response: httpx.Response) -> datetime | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _without_userinfo(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)
