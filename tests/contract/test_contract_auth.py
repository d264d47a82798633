"""User tokens through the real client: every refusal is SyncApiAuthError, others' syncs 404."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from resources.sync_api import (
    SyncApiAuthError,
    SyncApiClient,
    SyncApiNotFound,
    UserTokenSigner,
)
from tests.contract.support import (
    INTEGRATION,
    OTHER_USER,
    USER,
    ContractEnv,
    FakeTime,
    KeyPair,
    write,
)

OTHER_PROJECT = "11111111-2222-4333-8444-555555555555"


def _an_hour_ago() -> float:
    return time.time() - 3600


BAD_SIGNERS: dict[str, Callable[[ContractEnv, KeyPair], UserTokenSigner]] = {
    "another key": lambda env, other: env.signer(private_key_pem=other.private_pem),
    # Expired well past the emulator's 30 s leeway: signed an hour ago for ten minutes.
    "expired": lambda env, _: env.signer(lifetime_seconds=600, clock=_an_hour_ago),
    "another project": lambda env, _: env.signer(project_id=OTHER_PROJECT),
    "another host": lambda env, _: env.signer(aud_host="paragon.example.com"),
}


@pytest.mark.parametrize("kind", sorted(BAD_SIGNERS))
def test_a_refused_token_is_an_auth_error_that_is_not_retried_and_leaks_nothing(
    env: ContractEnv, other_keys: KeyPair, kind: str
) -> None:
    signer = BAD_SIGNERS[kind](env, other_keys)
    time_ = FakeTime()
    client = env.client(signer, time=time_)

    with pytest.raises(SyncApiAuthError) as caught:
        client.list_syncs(USER)

    error = caught.value
    assert error.status_code == 401
    assert time_.sleeps == []
    token = signer.token_for(USER)
    for text in (str(error), repr(error), error.body_excerpt):
        assert token not in text
        assert "PRIVATE KEY" not in text
    assert signer.audience in str(error)


def test_every_endpoint_refuses_a_bad_token(env: ContractEnv, other_keys: KeyPair) -> None:
    write(env.folder(), "a.txt", "a\n")
    good = env.client()
    sync = good.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    record = good.pull_records(USER, sync.id).records[0]
    bad = env.client(env.signer(private_key_pem=other_keys.private_pem))

    assert _not_raising(SyncApiAuthError, _calls(bad, sync.id, record.id)) == []


def test_another_users_sync_is_not_found_on_every_endpoint(env: ContractEnv) -> None:
    write(env.folder(), "a.txt", "a\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    record = client.pull_records(USER, sync.id).records[0]

    calls = _calls(client, sync.id, record.id, as_user=OTHER_USER)
    # Enabling and listing act on the other user's own syncs, so they succeed.
    assert client.list_syncs(OTHER_USER) == []
    del calls["enable"], calls["list"]

    assert _not_raising(SyncApiNotFound, calls) == []
    assert client.get_sync(USER, sync.id).id == sync.id


def _not_raising(error: type[Exception], calls: dict[str, Callable[[], Any]]) -> list[str]:
    """Names of the calls that did not raise `error` (any other exception propagates)."""
    missed = []
    for name, call in calls.items():
        try:
            call()
        except error:
            continue
        missed.append(name)
    return missed


def _calls(
    client: SyncApiClient, sync_id: str, record_id: str, as_user: str = USER
) -> dict[str, Callable[[], Any]]:
    return {
        "enable": lambda: client.enable_sync(as_user, INTEGRATION, "files"),
        "list": lambda: client.list_syncs(as_user),
        "get": lambda: client.get_sync(as_user, sync_id),
        "patch": lambda: client.update_sync(
            as_user, sync_id, incremental_accumulator_frequency="1m"
        ),
        "disable": lambda: client.disable_sync(as_user, sync_id),
        "reenable": lambda: client.reenable_sync(as_user, sync_id),
        "records": lambda: client.pull_records(as_user, sync_id),
        "record": lambda: client.get_record(as_user, sync_id, record_id),
        "content": lambda: client.download_content(as_user, sync_id, record_id),
        "check": lambda: client.check_access(as_user, sync_id, record_id, "x@acme.com"),
        "list-users": lambda: client.list_users(as_user, sync_id, record_id),
        "delete": lambda: client.delete_sync(as_user, sync_id),
    }


def test_a_client_clock_a_little_ahead_is_tolerated(env: ContractEnv) -> None:
    client = env.client(env.signer(clock=lambda: time.time() + 10))

    assert client.list_syncs(USER) == []
