"""Typed errors of the Sync API client, each with a message a person can act on.

Errors carry the method, path, status and a short body excerpt; never headers, keys or tokens.
"""

from __future__ import annotations

import re

BODY_EXCERPT_CHARS = 300

# A server that echoes the request back could put our bearer token into its error body.
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def body_excerpt(text: str, limit: int = BODY_EXCERPT_CHARS) -> str:
    """The first `limit` characters of a response body, on one line, with any JWT redacted."""
    flat = " ".join(_JWT_PATTERN.sub("[redacted token]", text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class SyncApiError(Exception):
    """Base of every Sync API client error.

    `status_code`, `method` and `path` are set when the error comes from an HTTP exchange.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.method = method
        self.path = path
        self.body_excerpt = body_excerpt(body) if body else ""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class SyncApiAuthError(SyncApiError):
    """401/403: the API refused the user token."""


class SyncApiNotFound(SyncApiError):
    """404: the sync or record does not exist (or no longer exists) for this user."""


class SyncApiBadRequest(SyncApiError):
    """400: the API rejected the request's parameters or body."""


class SyncApiUnavailable(SyncApiError):
    """The API could not be reached or kept failing (connection errors, 429, 5xx) after retries."""

    @property
    def brief(self) -> str:
        """What happened in a few words, the same for every record it happened to (for counts):
        `the Sync API answered 503`, `the Sync API could not be reached`."""
        if self.status_code is not None:
            return f"the Sync API answered {self.status_code}"
        return "the Sync API could not be reached"


class SyncApiProtocolError(SyncApiError):
    """A response was not of the shape docs/sync-api.md documents."""


class SyncApiConfigError(SyncApiError):
    """The client is configured wrongly (base URL, project id, signing key)."""


class SigningKeyError(SyncApiConfigError):
    """The signing key is missing, unreadable or not an RSA private key."""


class ContentTooLarge(Exception):
    """A download is larger than the limit the caller set: not a failure of the API.

    `limit_bytes` is the limit; `announced_bytes` the size the server's Content-Length gave, when
    it gave one over the limit (None when the body itself ran past the limit while streaming).
    """

    def __init__(
        self,
        limit_bytes: int,
        *,
        method: str,
        path: str,
        announced_bytes: int | None = None,
    ) -> None:
        limit = format_size(limit_bytes)
        how = (
            f"the server announced {format_size(announced_bytes)}"
            if announced_bytes is not None
            else "the download stopped as soon as more than that arrived"
        )
        message = f"The content is larger than the {limit} download limit ({how})."
        super().__init__(message)
        self.message = message
        self.limit_bytes = limit_bytes
        self.announced_bytes = announced_bytes
        self.method = method
        self.path = path


def format_size(size: int) -> str:
    """`100 MB`, `64 MiB`, `1.5 MB`, `900 bytes`: whole numbers in the unit they were set in."""
    for unit, scale in (("GiB", 1 << 30), ("GB", 10**9), ("MiB", 1 << 20), ("MB", 10**6)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
