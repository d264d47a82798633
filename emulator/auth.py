"""Paragon User Token verification: RS256 JWT, `aud` = `<host>/<projectId>`, `sub` = the user."""

from __future__ import annotations

import jwt
from starlette.requests import Request

from emulator.errors import Unauthorized


class TokenVerifier:
    """Verifies bearer tokens against the project's public signing key."""

    def __init__(self, public_key_pem: str, audience: str, leeway_s: float) -> None:
        self._public_key = public_key_pem
        self._audience = audience
        self._leeway_s = leeway_s

    def __repr__(self) -> str:
        return f"TokenVerifier(audience={self._audience!r})"

    def user_of(self, request: Request) -> str:
        """The Connected User id (`sub`) of the request; raises Unauthorized on any failure."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized()
        try:
            claims = jwt.decode(
                token.strip(),
                self._public_key,
                algorithms=["RS256"],
                audience=self._audience,
                leeway=self._leeway_s,
                options={"require": ["sub", "aud", "exp"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            # One answer for every failure, as Paragon; the token itself is never echoed.
            raise Unauthorized() from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise Unauthorized()
        return subject
