"""Sync lifecycle through the real client: enable, statuses, list, get, patch, disable, delete."""

from __future__ import annotations

import pytest

from resources.sync_api import (
    SyncApiBadRequest,
    SyncApiError,
    SyncApiNotFound,
    SyncStatus,
)
from tests.contract.support import INTEGRATION, USER, ContractEnv, write

CREDENTIAL = "0aea7d3a-b5f7-4488-890e-d51a5cf4f8f1"


def test_a_sync_is_initializing_until_its_initial_run_then_idle_with_a_summary(
    env: ContractEnv,
) -> None:
    folder = env.folder()
    for name in ("a.txt", "b.md", "docs/c.txt"):
        write(folder, name, f"content of {name}\n")
    client = env.client()

    enabled = client.enable_sync(USER, INTEGRATION, "files")
    assert enabled.status is SyncStatus.INITIALIZING
    assert (enabled.user_id, enabled.project_id) == (USER, env.config.project_id)
    assert (enabled.integration, enabled.pipeline) == (INTEGRATION, "files")

    waiting = client.get_sync(USER, enabled.id)
    assert waiting.status is SyncStatus.INITIALIZING
    assert waiting.summary is not None and waiting.summary.last_synced_at is None
    assert client.pull_records(USER, enabled.id).caught_up

    assert env.run(enabled.id, "initial")["created"] == 3

    idle = client.get_sync(USER, enabled.id)
    assert idle.status is SyncStatus.IDLE
    summary = idle.summary
    assert summary is not None and summary.last_synced_at is not None
    assert summary.total_records == summary.synced_records_count == 3
    pages = list(client.iter_record_pages(USER, enabled.id, page_size=2))
    assert sum(len(page.records) for page in pages) == 3
    assert summary.latest_cursor == pages[-1].cursor


def test_a_second_identical_enable_returns_the_same_sync_without_a_reset(
    env: ContractEnv,
) -> None:
    write(env.folder(), "a.txt", "a\n")
    client = env.client()
    first = client.enable_sync(USER, INTEGRATION, "files", configuration_name="main")
    env.run(first.id, "initial")

    again = client.enable_sync(USER, INTEGRATION, "files", configuration_name="main")
    other = client.enable_sync(USER, INTEGRATION, "files", configuration_name="second")

    assert again.id == first.id and again.status is SyncStatus.IDLE
    assert other.id != first.id and other.status is SyncStatus.INITIALIZING
    assert len(client.pull_records(USER, first.id).records) == 1
    assert {sync.id for sync in client.list_syncs(USER)} == {first.id, other.id}


def test_list_filters_by_credential_and_shows_configuration_names(env: ContractEnv) -> None:
    client = env.client()
    mine = client.enable_sync(
        USER, INTEGRATION, "files", configuration_name="work", credential_id=CREDENTIAL
    )
    client.enable_sync(USER, "sharepoint", "files")

    listed = {sync.id: sync for sync in client.list_syncs(USER)}
    filtered = client.list_syncs(USER, credential_id=CREDENTIAL)

    assert len(listed) == 2
    assert listed[mine.id].configuration_name == "work"
    assert listed[mine.id].credential_id == CREDENTIAL
    assert listed[mine.id].date_created is not None
    assert [sync.id for sync in filtered] == [mine.id]
    assert client.list_syncs("nobody") == []


def test_patch_is_accepted_and_a_bad_frequency_is_a_bad_request(env: ContractEnv) -> None:
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")

    answer = client.update_sync(
        USER, sync.id, credential_id=CREDENTIAL, incremental_accumulator_frequency="5m"
    )

    assert answer["id"] == sync.id
    assert answer["data"] == {"credentialId": CREDENTIAL, "incrementalAccumulatorFrequency": "5m"}
    assert "accepted" in answer["message"]
    assert client.get_sync(USER, sync.id).credential_id == CREDENTIAL
    with pytest.raises(SyncApiBadRequest) as caught:
        client.update_sync(USER, sync.id, incremental_accumulator_frequency="often")
    assert caught.value.status_code == 400


def test_disable_stops_scans_keeps_records_and_reenable_resumes(env: ContractEnv) -> None:
    folder = env.folder()
    write(folder, "a.txt", "a\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")

    disabled = client.disable_sync(USER, sync.id)
    write(folder, "b.txt", "b\n")

    assert disabled["id"] == sync.id
    assert client.get_sync(USER, sync.id).status is SyncStatus.DISABLED
    refused = env.http().post(f"/_emulator/syncs/{sync.id}/run", json={"kind": "incremental"})
    assert refused.status_code == 409
    assert [r.name for r in client.pull_records(USER, sync.id).records] == ["a.txt"]

    assert client.reenable_sync(USER, sync.id)["id"] == sync.id
    assert client.get_sync(USER, sync.id).status is SyncStatus.IDLE
    assert env.run(sync.id)["created"] == 1
    names = {r.name for page in client.iter_record_pages(USER, sync.id) for r in page.records}
    assert names == {"a.txt", "b.txt"}


def test_reenable_before_the_initial_run_is_initializing_again(env: ContractEnv) -> None:
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    client.disable_sync(USER, sync.id)

    client.reenable_sync(USER, sync.id)

    assert client.get_sync(USER, sync.id).status is SyncStatus.INITIALIZING


def test_an_errored_sync_shows_its_reason_refuses_content_and_reenables(
    env: ContractEnv,
) -> None:
    write(env.folder(), "a.txt", "a\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    record = client.pull_records(USER, sync.id).records[0]

    env.admin("POST", f"syncs/{sync.id}/error", {"message": "Credential revoked."})

    errored = client.get_sync(USER, sync.id)
    assert errored.status is SyncStatus.ERRORED and errored.reason == "Credential revoked."
    assert client.get_record(USER, sync.id, record.id).name == "a.txt"
    with pytest.raises(SyncApiError) as caught:
        client.download_content(USER, sync.id, record.id)
    assert caught.value.status_code == 409
    client.reenable_sync(USER, sync.id)
    healthy = client.get_sync(USER, sync.id)
    assert healthy.status is SyncStatus.IDLE and healthy.reason is None
    assert client.download_content(USER, sync.id, record.id).data == b"a\n"


def test_delete_removes_the_sync_and_recreating_it_gives_the_same_id(env: ContractEnv) -> None:
    write(env.folder(), "a.txt", "a\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files", configuration_name="main")
    env.run(sync.id, "initial")

    client.delete_sync(USER, sync.id)

    assert client.list_syncs(USER) == []
    for call in (
        lambda: client.get_sync(USER, sync.id),
        lambda: client.pull_records(USER, sync.id),
        lambda: client.delete_sync(USER, sync.id),
    ):
        with pytest.raises(SyncApiNotFound):
            call()
    again = client.enable_sync(USER, INTEGRATION, "files", configuration_name="main")
    assert again.id == sync.id and again.status is SyncStatus.INITIALIZING
