"""Builds the user-token signer from SYNCRAG_* environment settings (for the CLI and scripts)."""

from __future__ import annotations

from collections.abc import Mapping

from resources.sync_api.errors import SyncApiConfigError
from resources.sync_api.token import (
    DEFAULT_AUD_HOST,
    KEY_PATH_SETTING,
    KEY_SETTING,
    UserTokenSigner,
)

DEFAULT_KEY_PATH = ".syncrag/keys/signing.pem"
# The demo project the emulator serves; a real deployment sets its own.
DEFAULT_PROJECT_ID = "5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70"
PROJECT_ID_SETTING = "SYNCRAG_PARAGON_PROJECT_ID"
AUD_HOST_SETTING = "SYNCRAG_PARAGON_AUD_HOST"
LIFETIME_SETTING = "SYNCRAG_TOKEN_LIFETIME_SECONDS"


def signer_from_env(environ: Mapping[str, str]) -> UserTokenSigner:
    """A signer configured by SYNCRAG_SIGNING_KEY or SYNCRAG_SIGNING_KEY_PATH and friends.

    With neither key setting, the key is read from `.syncrag/keys/signing.pem` under the
    current directory. Raises SigningKeyError / SyncApiConfigError in one sentence.
    """
    key_pem = environ.get(KEY_SETTING) or None
    key_path = environ.get(KEY_PATH_SETTING) or None
    if key_pem is None and key_path is None:
        key_path = DEFAULT_KEY_PATH
    return UserTokenSigner.from_settings(
        key_pem,
        key_path,
        project_id=environ.get(PROJECT_ID_SETTING) or DEFAULT_PROJECT_ID,
        aud_host=environ.get(AUD_HOST_SETTING) or DEFAULT_AUD_HOST,
        lifetime_seconds=_lifetime(environ.get(LIFETIME_SETTING)),
    )


def _lifetime(value: str | None) -> int:
    if value is None or not value.strip():
        return 3600
    try:
        return int(value.strip())
    except ValueError:
        raise SyncApiConfigError(
            f"{LIFETIME_SETTING} is {value.strip()[:20]!r}, not a whole number of seconds: "
            "set it to e.g. 3600 or unset it."
        ) from None
