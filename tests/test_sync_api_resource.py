"""The Dagster resource: builds the client at start-up, fails early on a bad key, then closes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from resources.sync_api import SigningKeyError, SyncApiClient, SyncApiConfigError
from resources.sync_api_resource import SyncApiResource
from tests.test_sync_api_support import PROJECT_ID, rsa_key_pair


def test_resource_opens_a_client_for_the_run_and_closes_it_after() -> None:
    resource = SyncApiResource(project_id=PROJECT_ID, signing_key=rsa_key_pair()[0])

    with dg.build_resources({"sync_api": resource}) as resources:
        client = resources.sync_api.get_client()
        assert isinstance(client, SyncApiClient)
        assert not client.closed
        assert "127.0.0.1:8787" in repr(client)

    assert client.closed


def test_resource_reads_the_key_from_a_path(tmp_path: Path) -> None:
    key_file = tmp_path / "signing.pem"
    key_file.write_text(rsa_key_pair()[0])
    resource = SyncApiResource(project_id=PROJECT_ID, signing_key_path=str(key_file))

    with dg.build_resources({"sync_api": resource}) as resources:
        assert isinstance(resources.sync_api.get_client(), SyncApiClient)


def test_a_missing_key_fails_at_start_up_with_the_settings_named() -> None:
    resource = SyncApiResource(project_id=PROJECT_ID)

    with (
        pytest.raises(dg.DagsterResourceFunctionError) as caught,
        dg.build_resources({"sync_api": resource}),
    ):
        pass

    cause = caught.value.__cause__
    assert isinstance(cause, SigningKeyError)
    assert "SYNCRAG_SIGNING_KEY_PATH" in str(cause)


def test_the_signing_key_stays_out_of_the_resource_repr() -> None:
    private_pem = rsa_key_pair()[0]
    resource = SyncApiResource(project_id=PROJECT_ID, signing_key=private_pem)

    text = repr(resource) + str(resource)

    assert PROJECT_ID in text
    assert "PRIVATE KEY" not in text


def test_get_client_outside_a_run_says_how_to_use_it() -> None:
    resource = SyncApiResource(project_id=PROJECT_ID, signing_key=rsa_key_pair()[0])

    with pytest.raises(SyncApiConfigError, match="inside a Dagster run"):
        resource.get_client()


def test_every_field_is_documented() -> None:
    fields = SyncApiResource.model_fields

    assert set(fields) == {
        "base_url",
        "project_id",
        "aud_host",
        "signing_key",
        "signing_key_path",
        "token_lifetime_seconds",
        "timeout_seconds",
        "max_attempts",
    }
    assert all(f.description for f in fields.values())
