"""The shared webhook secret and where a delivery may carry it: URL path, query or header."""

from __future__ import annotations

import hmac

from starlette.requests import Request

__all__ = ["SECRET_HEADER", "SECRET_QUERY_PARAMS", "SharedSecret"]

SECRET_HEADER = "X-Syncrag-Webhook-Secret"
SECRET_QUERY_PARAMS = ("secret", "token")


class SharedSecret:
    """Checks requests against the configured secret without ever showing it."""

    __slots__ = ("_expected",)

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError(
                "the webhook secret is empty; set SYNCRAG_WEBHOOK_SECRET to a random value, "
                "or pass secret=None to accept unauthenticated deliveries"
            )
        self._expected = _encode(secret)

    def __repr__(self) -> str:
        return "SharedSecret(<hidden>)"

    def admits(self, request: Request) -> bool:
        """Whether the request carries the secret in its path, query string or header."""
        candidates: list[str] = []
        in_path = request.path_params.get("secret")
        if isinstance(in_path, str):
            candidates.append(in_path)
        for name in SECRET_QUERY_PARAMS:
            candidates.extend(request.query_params.getlist(name))
        candidates.extend(request.headers.getlist(SECRET_HEADER))
        admitted = False
        for candidate in candidates:
            # Every candidate is compared, in constant time, so timing tells nothing either.
            admitted |= hmac.compare_digest(_encode(candidate), self._expected)
        return admitted


def _encode(text: str) -> bytes:
    # compare_digest refuses non-ASCII str; bytes compare any secret. backslashreplace never
    # raises, and a mangled candidate simply does not match.
    return text.encode("utf-8", "backslashreplace")
