"""The emulator's webhooks as the client reads them: known event names, ids the API resolves."""

from __future__ import annotations

import pytest

from resources.sync_api import KNOWN_EVENTS, SyncApiNotFound, normalize_event_name
from tests.contract.support import INTEGRATION, USER, ContractEnv, write


def test_webhook_events_are_known_and_their_record_ids_resolve_through_the_api(
    env: ContractEnv,
) -> None:
    folder = env.folder()
    for name in ("a.txt", "b.txt", "c.txt"):
        write(folder, name, f"{name}\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    write(folder, "a.txt", "a, rewritten\n")
    write(folder, "d.txt", "d\n")
    env.run(sync.id, "incremental")
    (folder / "b.txt").unlink()
    env.run(sync.id, "full")

    assert env.flush_webhooks()["delivered"] == 4
    events = env.webhooks.events
    names = [normalize_event_name(event["event"]) for event in events]

    assert set(names) <= KNOWN_EVENTS
    assert sorted(names) == ["record_created", "record_deleted", "record_updated", "sync_complete"]
    assert {(e["syncInstanceId"], e["user"]["id"], e["sync"]) for e in events} == {
        (sync.id, USER, INTEGRATION)
    }
    by_name = dict(zip(names, events, strict=True))
    assert by_name["sync_complete"]["data"]["numRecords"] == 3
    created = client.get_record(USER, sync.id, by_name["record_created"]["data"]["recordId"])
    updated = client.get_record(USER, sync.id, by_name["record_updated"]["data"]["recordId"])
    assert (created.name, updated.name) == ("d.txt", "a.txt")
    with pytest.raises(SyncApiNotFound):
        client.get_record(USER, sync.id, by_name["record_deleted"]["data"]["recordId"])
