"""Signs Paragon User Tokens: RS256 JWTs naming the Connected User (`sub`) and project (`aud`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from resources.sync_api.errors import SigningKeyError, SyncApiConfigError

DEFAULT_AUD_HOST = "useparagon.com"
KEY_SETTING = "SYNCRAG_SIGNING_KEY"
KEY_PATH_SETTING = "SYNCRAG_SIGNING_KEY_PATH"
# Past this many users the oldest cached tokens are dropped: a full reconcile visits every user
# once, and holding a token per user forever would only grow.
MAX_CACHED_USERS = 1024


def _load_rsa_private_key(pem: str, *, source: str) -> RSAPrivateKey:
    """Parses PEM text into an RSA private key; `source` names where it came from for the error."""
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # `from None`: the parser's message may quote the input, and the input is a secret.
        raise SigningKeyError(
            f"The signing key from {source} is not an unencrypted RSA private key in PEM form: "
            f"set {KEY_SETTING} to the PEM text of your Paragon signing key "
            f"or {KEY_PATH_SETTING} to a file that holds it."
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise SigningKeyError(
            f"The signing key from {source} is a {type(key).__name__.lstrip('_')}, not an RSA "
            f"private key: set {KEY_SETTING} or {KEY_PATH_SETTING} to your Paragon signing key "
            "(Settings > SDK Setup)."
        )
    return key


class UserTokenSigner:
    """Issues a Paragon User Token per user, reusing it until shortly before it expires."""

    def __init__(
        self,
        private_key_pem: str,
        project_id: str,
        aud_host: str = DEFAULT_AUD_HOST,
        lifetime_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
        *,
        key_source: str = "the given PEM text",
    ) -> None:
        if not project_id.strip():
            raise SyncApiConfigError(
                "No Paragon project id is configured: set SYNCRAG_PARAGON_PROJECT_ID to the "
                "project id shown in Paragon's dashboard."
            )
        if lifetime_seconds <= 0:
            raise SyncApiConfigError(
                f"The token lifetime must be a positive number of seconds, not {lifetime_seconds}: "
                "fix SYNCRAG_TOKEN_LIFETIME_SECONDS."
            )
        self._key = _load_rsa_private_key(private_key_pem, source=key_source)
        # Where the key came from (a setting's name), for errors that ask to fix it; never the key.
        self.key_source = key_source
        self.project_id = project_id.strip()
        self.aud_host = aud_host.strip().rstrip("/") or DEFAULT_AUD_HOST
        self.lifetime_seconds = lifetime_seconds
        # Renew early so a token never expires between signing and the server checking it.
        self.refresh_margin_seconds = min(60.0, lifetime_seconds * 0.1)
        self._clock = clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        key_pem: str | None,
        key_path: str | None,
        project_id: str,
        aud_host: str = DEFAULT_AUD_HOST,
        lifetime_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> UserTokenSigner:
        """A signer from the key text (preferred) or a key file.

        Raises SigningKeyError in one sentence naming the settings when the key is missing,
        unreadable or not an RSA private key.
        """
        if key_pem and key_pem.strip():
            pem, source = key_pem, KEY_SETTING
        elif key_path and key_path.strip():
            pem, source = _read_key_file(Path(key_path.strip()).expanduser()), KEY_PATH_SETTING
        else:
            raise SigningKeyError(
                f"No signing key is configured: set {KEY_SETTING} to the PEM text of your Paragon "
                f"signing key or {KEY_PATH_SETTING} to a file that holds it."
            )
        return cls(pem, project_id, aud_host, lifetime_seconds, clock, key_source=source)

    @property
    def audience(self) -> str:
        """The `aud` claim: `<paragon host>/<project id>`."""
        return f"{self.aud_host}/{self.project_id}"

    def token_for(self, user_id: str) -> str:
        """A valid token for `user_id`, signed now or reused from the cache."""
        if not user_id:
            raise ValueError("user_id must be a non-empty string")
        now = self._clock()
        with self._lock:
            cached = self._cache.get(user_id)
            if cached is not None and now < cached[1] - self.refresh_margin_seconds:
                return cached[0]
            issued_at = int(now)
            expires_at = issued_at + self.lifetime_seconds
            claims = {"sub": user_id, "aud": self.audience, "iat": issued_at, "exp": expires_at}
            token = jwt.encode(claims, self._key, algorithm="RS256")
            self._cache.pop(user_id, None)
            self._cache[user_id] = (token, float(expires_at))
            while len(self._cache) > MAX_CACHED_USERS:
                del self._cache[next(iter(self._cache))]
            return token

    def __repr__(self) -> str:
        return (
            f"UserTokenSigner(audience={self.audience!r}, "
            f"lifetime_seconds={self.lifetime_seconds!r})"
        )


def _read_key_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SigningKeyError(
            f"No signing key file exists at {path}: set {KEY_PATH_SETTING} to the PEM file of "
            f"your Paragon signing key or {KEY_SETTING} to its text."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise SigningKeyError(
            f"Cannot read the signing key file at {path} ({reason}): set {KEY_PATH_SETTING} to "
            f"a readable PEM file or {KEY_SETTING} to the key text."
        ) from None
