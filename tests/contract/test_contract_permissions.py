"""Permissions API through the real client: check, batch-check, list-users, list-objects."""

from __future__ import annotations

import pytest

from resources.sync_api import AccessCheck, SyncApiBadRequest, SyncApiClient
from tests.contract.support import INTEGRATION, USER, ContractEnv, share, write, write_jsonl

OWNER = f"{USER}@example.com"
CARLA = "carla@acme.com"
DAN = "dan@acme.com"


def shared_sync(env: ContractEnv, client: SyncApiClient) -> tuple[str, dict[str, str]]:
    """A files sync over three files: one shared with sidecars, one unshared, one public-ish."""
    folder = env.folder()
    plan = write(folder, "plan.txt", "plan\n")
    share(plan, is_owner=[OWNER], can_write=[CARLA], can_read=[DAN])
    budget = write(folder, "budget.txt", "budget\n")
    share(budget, can_read=[CARLA])
    write(folder, "private.txt", "mine\n")
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    ids = {str(r.name): r.id for r in client.pull_records(USER, sync.id).records}
    return sync.id, ids


def test_check_follows_sidecars_and_role_implication(env: ContractEnv) -> None:
    client = env.client()
    sync_id, ids = shared_sync(env, client)

    def check(name: str, user: str, role: str) -> bool:
        return client.check_access(USER, sync_id, ids[name], user, role)

    assert check("plan.txt", CARLA, "can_write") and check("plan.txt", CARLA, "can_read")
    assert not check("plan.txt", CARLA, "is_owner")
    assert check("plan.txt", DAN, "can_read") and not check("plan.txt", DAN, "can_write")
    assert check("private.txt", OWNER, "is_owner")
    assert not check("private.txt", CARLA, "can_read")
    assert not check("budget.txt", OWNER, "can_read")


def test_a_changed_sidecar_is_seen_at_once_and_a_deleted_file_grants_nothing(
    env: ContractEnv,
) -> None:
    client = env.client()
    sync_id, ids = shared_sync(env, client)
    folder = env.folder()

    share(folder / "private.txt", is_owner=[OWNER], can_read=[CARLA])
    assert client.check_access(USER, sync_id, ids["private.txt"], CARLA)

    (folder / "plan.txt").unlink()
    env.run(sync_id, "full")
    assert not client.check_access(USER, sync_id, ids["plan.txt"], CARLA)


def test_batch_check_answers_in_order_with_per_check_errors(env: ContractEnv) -> None:
    client = env.client()
    sync_id, ids = shared_sync(env, client)
    checks = [
        AccessCheck(ids["plan.txt"], f"user:{CARLA}", "can_write"),
        AccessCheck(f"file:{ids['budget.txt']}", DAN, "can_read"),
        AccessCheck(ids["budget.txt"], CARLA.upper(), "can_read"),
        AccessCheck(ids["plan.txt"], CARLA, "can_fly"),
    ]

    results = client.batch_check_access(USER, sync_id, checks)

    assert [result.allowed for result in results] == [True, False, True, False]
    assert [result.error is None for result in results] == [True, True, True, False]
    assert "can_fly" in str(results[3].error)
    assert [result.request for result in results] == checks


def test_list_users_and_list_objects_come_from_the_sidecars(env: ContractEnv) -> None:
    client = env.client()
    sync_id, ids = shared_sync(env, client)

    assert client.list_users(USER, sync_id, ids["plan.txt"]) == sorted([OWNER, CARLA, DAN])
    assert client.list_users(USER, sync_id, ids["plan.txt"], "can_write") == sorted([OWNER, CARLA])
    assert client.list_users(USER, sync_id, ids["private.txt"], "is_owner") == [OWNER]
    assert sorted(client.list_objects(USER, sync_id, CARLA)) == sorted(
        [ids["plan.txt"], ids["budget.txt"]]
    )
    assert client.list_objects(USER, sync_id, CARLA, "can_write") == [ids["plan.txt"]]
    assert sorted(client.list_objects(USER, sync_id, OWNER)) == sorted(
        [ids["plan.txt"], ids["private.txt"]]
    )
    assert client.list_objects(USER, sync_id, CARLA, object_type="folder") == []


def test_permissions_of_a_crm_sync_are_a_bad_request(env: ContractEnv) -> None:
    write_jsonl(env.folder(pipeline="contacts", integration="hubspot"), "c.jsonl", [])
    client = env.client()
    sync = client.enable_sync(USER, "hubspot", "contacts")

    with pytest.raises(SyncApiBadRequest):
        client.list_objects(USER, sync.id, CARLA)
