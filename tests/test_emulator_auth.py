"""Auth of the Sync API emulator: Paragon User Tokens, one 401 for every failure, per-user scope."""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator import EmulatorConfig
from emulator.testing import Harness, harness
from tests import test_emulator_support as support

pytestmark = pytest.mark.anyio


anyio_backend = support.anyio_backend
keys = support.keys


@pytest.fixture
async def emu(tmp_path: Path, keys: tuple[str, str]) -> AsyncIterator[Harness]:
    config = EmulatorConfig(root=tmp_path / "root", public_key_pem=keys[1])
    async with harness(config, keys[0]) as h:
        yield h


def _token(private_pem: str, **claims: object) -> str:
    now = int(time.time())
    payload = {"sub": "user-1", "iat": now, "exp": now + 600, **claims}
    return jwt.encode(payload, private_pem, algorithm="RS256")


@functools.cache
def _other_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


async def _status_and_body(emu: Harness, token: str | None) -> tuple[int, object]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = await emu.client.get("/api/syncs", headers=headers)
    return response.status_code, response.json()


async def test_valid_token_lists_the_users_syncs(emu: Harness) -> None:
    token = _token(emu.private_key_pem, aud=emu.config.audience)
    assert await _status_and_body(emu, token) == (200, {"data": []})


@pytest.mark.parametrize(
    "case",
    ["missing", "not-bearer", "garbage", "bad-signature", "expired", "wrong-aud", "no-aud"],
)
async def test_every_auth_failure_is_the_same_401(emu: Harness, case: str) -> None:
    aud = emu.config.audience
    key = emu.private_key_pem
    tokens: dict[str, str | None] = {
        "missing": None,
        "garbage": "not.a.jwt",
        "bad-signature": _token(_other_private_key(), aud=aud),
        "expired": _token(key, aud=aud, exp=int(time.time()) - 3600),
        "wrong-aud": _token(key, aud=f"useparagon.com/{'0' * 8}-0000-0000-0000-{'0' * 12}"),
        "no-aud": _token(key),
    }
    if case == "not-bearer":
        response = await emu.client.get(
            "/api/syncs", headers={"Authorization": f"Basic {_token(key, aud=aud)}"}
        )
        status, body = response.status_code, response.json()
    else:
        status, body = await _status_and_body(emu, tokens[case])
    assert (status, body) == (401, {"message": "Unauthorized"})


async def test_hs256_token_signed_with_the_public_key_is_refused(emu: Harness) -> None:
    # The classic algorithm-confusion attack: only RS256 is accepted.
    token = jwt.encode(
        {"sub": "user-1", "aud": emu.config.audience, "exp": int(time.time()) + 600},
        "a-shared-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert (await _status_and_body(emu, token))[0] == 401


async def test_another_users_sync_is_not_found(emu: Harness) -> None:
    sync_id = await emu.enable("alice")
    for method, path in [
        ("GET", f"/api/syncs/{sync_id}"),
        ("GET", f"/api/syncs/{sync_id}/records"),
        ("POST", f"/api/syncs/{sync_id}/disable"),
        ("DELETE", f"/api/syncs/{sync_id}"),
    ]:
        response = await emu.client.request(method, path, headers=emu.headers("mallory"))
        assert (response.status_code, response.json()) == (404, {"message": "Sync not found"})
    own = await emu.client.get(f"/api/syncs/{sync_id}", headers=emu.headers("alice"))
    assert own.status_code == 200
    listed = await emu.client.get("/api/syncs", headers=emu.headers("mallory"))
    assert listed.json() == {"data": []}


async def test_token_never_appears_in_error_answers(emu: Harness) -> None:
    token = _token(emu.private_key_pem, aud="wrong")
    response = await emu.client.get("/api/syncs", headers={"Authorization": f"Bearer {token}"})
    assert token not in response.text
