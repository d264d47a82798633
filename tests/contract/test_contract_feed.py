"""The records feed through the real client: paging during changes, cursor resume, tombstones."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from pathlib import Path

import pytest

from resources.sync_api import SyncApiBadRequest, SyncApiClient, SyncApiNotFound, SyncedRecord
from tests.contract.support import (
    INTEGRATION,
    USER,
    ContractEnv,
    digests,
    live_state,
    version,
    write,
)


class Mutator:
    """Creates, rewrites and deletes source files at random (seeded), each write unique."""

    def __init__(self, folder: Path, seed: int) -> None:
        self.folder = folder
        self.rng = random.Random(seed)
        self.writes = 0

    def content(self, rel: str) -> str:
        self.writes += 1
        return f"{rel} version {self.writes}\n" + "x" * self.rng.randrange(50)

    def create(self, rel: str) -> None:
        write(self.folder, rel, self.content(rel))

    def step(self, creates: int, modifies: int, deletes: int) -> None:
        existing = sorted(digests(self.folder))
        for rel in self.rng.sample(existing, min(modifies, len(existing))):
            write(self.folder, rel, self.content(rel))
        for rel in self.rng.sample(existing, min(deletes, len(existing))):
            (self.folder / rel).unlink()
        for _ in range(creates):
            self.create(f"new/{self.writes}-{self.rng.randrange(10**6)}.txt")


def enabled_sync(env: ContractEnv, client: SyncApiClient) -> str:
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    return sync.id


def test_paging_while_files_change_loses_nothing_and_repeats_no_version(
    env: ContractEnv,
) -> None:
    folder = env.folder()
    mutator = Mutator(folder, seed=7)
    for index in range(250):
        mutator.create(f"dir{index % 5}/file{index:03}.txt")
    client = env.client()
    sync_id = enabled_sync(env, client)

    seen: list[SyncedRecord] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = client.pull_records(USER, sync_id, cursor=cursor, page_size=20)
        pages += 1
        seen += page.records
        cursor = page.cursor or cursor
        if page.caught_up:
            break
        # Change the source between pages; full scans tombstone, incremental ones cannot.
        mutator.step(creates=3, modifies=4, deletes=2)
        env.run(sync_id, "full" if pages % 3 == 0 else "incremental")
    # Catch up with the last changes, as a client woken by webhooks would.
    mutator.step(creates=2, modifies=2, deletes=2)
    env.run(sync_id, "full")
    for page in client.iter_record_pages(USER, sync_id, cursor=cursor, page_size=20):
        seen += page.records

    assert pages > 250 // 20
    pairs = Counter((record.id, version(record)) for record in seen)
    assert [pair for pair, count in pairs.items() if count > 1] == []
    assert live_state(seen) == digests(folder)
    tombstones = {record.id for record in seen if record.deleted}
    assert len(tombstones) > 0
    final = client.pull_records(USER, sync_id, cursor=cursor)
    assert final.total_active_records == len(digests(folder))
    summary = client.get_sync(USER, sync_id).summary
    assert summary is not None and summary.total_records == len(digests(folder))


def test_a_new_client_resumes_from_a_saved_cursor_to_the_same_state(env: ContractEnv) -> None:
    folder = env.folder()
    mutator = Mutator(folder, seed=11)
    for index in range(60):
        mutator.create(f"file{index:02}.txt")
    first = env.client()
    sync_id = enabled_sync(env, first)

    seen: list[SyncedRecord] = []
    saved: str | None = None
    for page in itertools.islice(first.iter_record_pages(USER, sync_id, page_size=10), 3):
        seen += page.records
        saved = page.cursor
    first.close()
    assert saved is not None and len(seen) == 30

    mutator.step(creates=5, modifies=5, deletes=5)
    env.run(sync_id, "full")
    second = env.client(env.signer())
    for page in second.iter_record_pages(USER, sync_id, cursor=saved, page_size=10):
        seen += page.records

    from_scratch = [
        record
        for page in second.iter_record_pages(USER, sync_id, page_size=7)
        for record in page.records
    ]
    assert live_state(seen) == live_state(from_scratch) == digests(folder)
    assert len({(record.id, version(record)) for record in seen}) == len(seen)


def test_a_deleted_file_becomes_a_tombstone_after_a_full_sync(env: ContractEnv) -> None:
    folder = env.folder()
    write(folder, "keep.txt", "keep\n")
    write(folder, "gone.txt", "gone\n")
    client = env.client()
    sync_id = enabled_sync(env, client)
    first = client.pull_records(USER, sync_id)
    gone = next(record for record in first.records if record.name == "gone.txt")

    (folder / "gone.txt").unlink()
    assert env.run(sync_id, "incremental")["deleted"] == 0
    assert client.get_record(USER, sync_id, gone.id).name == "gone.txt"
    with pytest.raises(SyncApiNotFound):
        client.download_content(USER, sync_id, gone.id)
    assert env.run(sync_id, "full")["deleted"] == 1

    after = client.pull_records(USER, sync_id, cursor=first.cursor)
    assert len(after.records) == 1
    tombstone = after.records[0]
    assert tombstone.deleted and tombstone.id == gone.id
    assert tombstone.external_id == gone.external_id == "gone.txt"
    assert set(tombstone.raw) == {"id", "externalId", "deleted"}
    assert tombstone.name is None and tombstone.mime_type is None
    assert (after.total_records, after.total_active_records) == (2, 1)
    with pytest.raises(SyncApiNotFound):
        client.get_record(USER, sync_id, gone.id)
    with pytest.raises(SyncApiNotFound):
        client.download_content(USER, sync_id, gone.id)


def test_a_file_that_comes_back_keeps_its_record_id(env: ContractEnv) -> None:
    folder = env.folder()
    write(folder, "again.txt", "one\n")
    client = env.client()
    sync_id = enabled_sync(env, client)
    before = client.pull_records(USER, sync_id).records[0]
    (folder / "again.txt").unlink()
    env.run(sync_id, "full")

    write(folder, "again.txt", "two\n")
    env.run(sync_id, "incremental")

    back = client.get_record(USER, sync_id, before.id)
    assert (back.id, back.deleted, back.size) == (before.id, False, 4)


def test_an_empty_page_echoes_the_cursor_and_is_caught_up(env: ContractEnv) -> None:
    write(env.folder(), "a.txt", "a\n")
    client = env.client()
    sync_id = enabled_sync(env, client)
    cursor = client.pull_records(USER, sync_id).cursor

    empty = client.pull_records(USER, sync_id, cursor=cursor)

    assert empty.records == () and empty.caught_up
    assert empty.cursor == cursor and empty.remaining_records == 0
    assert empty.last_seen is not None


def test_out_of_range_page_sizes_and_foreign_cursors_are_bad_requests(env: ContractEnv) -> None:
    client = env.client()
    sync_id = enabled_sync(env, client)

    with pytest.raises(SyncApiBadRequest):
        client.pull_records(USER, sync_id, page_size=env.config.max_page_size + 1)
    with pytest.raises(SyncApiBadRequest) as caught:
        client.pull_records(USER, sync_id, cursor="not-a-cursor")
    assert "cursor" in str(caught.value)
