"""End to end: file chunks carry who may read them, a query `--as` someone returns only what they
may read, a Permissions API outage indexes without hints, and hints follow the next re-index
without re-embedding."""

from __future__ import annotations

import json
import logging

import pytest

from ingest.search import PermittedHits, search_user_as
from pipelines.cli.main import main
from tests.e2e.harness import Emulator, Syncrag, paragraphs_document

OWNER = "alice@example.com"
DAN = "dan@example.com"
ERIN = "erin@example.com"
TOPIC = "The lighthouse budget for the spring quarter"

FILES = {
    "shared.md": ([TOPIC + " is shared with Dan."], {"is_owner": [OWNER], "can_read": [DAN]}),
    "edited.md": ([TOPIC + " is edited by Dan."], {"is_owner": [OWNER], "can_write": [DAN]}),
    "private.md": ([TOPIC + " is for Alice alone."], None),  # no sidecar: the owner only
}


def share(emulator: Emulator, name: str, grants: dict[str, list[str]]) -> None:
    """Write the file's `.permissions.json` sidecar, as the emulator reads it."""
    sidecar = emulator.folder("alice") / f"{name}.permissions.json"
    sidecar.write_text(json.dumps(grants))


def write_files(emulator: Emulator) -> None:
    for name, (paragraphs, grants) in FILES.items():
        emulator.write("alice", name, paragraphs_document(name, paragraphs))
        if grants is not None:
            share(emulator, name, grants)


def ask(syncrag: Syncrag, emulator: Emulator, email: str, limit: int = 10) -> PermittedHits:
    return search_user_as(
        syncrag.embedder,
        syncrag.vector_store(),
        emulator.client,
        "alice",
        TOPIC,
        email,
        limit=limit,
    )


def titles(result: PermittedHits) -> set[str]:
    return {hit.payload["title"] for hit in result.hits}


def readers_by_title(syncrag: Syncrag) -> dict[str, set[tuple[str, ...] | None]]:
    found: dict[str, set[tuple[str, ...] | None]] = {}
    for payload in syncrag.points("alice").values():
        readers = payload.get("readers")
        found.setdefault(payload["title"], set()).add(None if readers is None else tuple(readers))
    return found


def test_a_reader_sees_only_the_files_they_may_read(emulator: Emulator, syncrag: Syncrag) -> None:
    write_files(emulator)
    emulator.write("alice", "people.jsonl", _contact(TOPIC), pipeline="contacts")
    emulator.enable(syncrag.state, "alice")
    emulator.enable(syncrag.state, "alice", pipeline="contacts")

    run = syncrag.ingest("alice")

    assert run.success
    assert run.index["records_indexed"] == 4
    assert run.index["records_with_readers"] == 3
    assert run.index["readers_lookups_failed"] == 0
    assert readers_by_title(syncrag) == {
        "shared.md": {(OWNER, DAN)},
        "edited.md": {(OWNER, DAN)},  # writers can read
        "private.md": {(OWNER,)},
        "Contact Person": {None},  # no permission data for CRM records: unknown
    }
    # Without --as nothing changes: every chunk of the user's index is a candidate.
    assert {h.payload["title"] for h in syncrag.search("alice", TOPIC, limit=10)} == {
        "shared.md",
        "edited.md",
        "private.md",
        "Contact Person",
    }

    as_dan = ask(syncrag, emulator, DAN)
    assert titles(as_dan) == {"shared.md", "edited.md"}
    # The contact's chunks could not be confirmed (no Permissions API for CRM syncs): withheld.
    contact_chunks = [p for p in syncrag.points("alice").values() if "readers" not in p]
    assert as_dan.withheld_unconfirmed == len(contact_chunks) > 0
    assert titles(ask(syncrag, emulator, "Alice@Example.com")) == {
        "shared.md",
        "edited.md",
        "private.md",
    }
    assert titles(ask(syncrag, emulator, ERIN)) == set()


def test_a_permissions_api_outage_indexes_without_hints_and_queries_still_filter(
    emulator: Emulator, syncrag: Syncrag, caplog: pytest.LogCaptureFixture
) -> None:
    write_files(emulator)
    emulator.enable(syncrag.state, "alice")
    emulator.set_faults(permissions_status=500)

    with caplog.at_level(logging.DEBUG):
        run = syncrag.ingest("alice")

    assert run.success
    assert run.index["records_indexed"] == 3
    assert run.index["records_deferred"] == run.index["records_errored"] == 0
    assert run.index["records_with_readers"] == 0
    assert run.index["readers_lookups_failed"] == 3
    # The failures are logged, and nothing that authenticates the calls is (invariant 8).
    logged = caplog.text
    assert "indexing it without hints" in logged
    assert "Bearer" not in logged and "eyJ" not in logged  # no header, no JWT
    key_lines = emulator.keys.private.read_text().splitlines()[1:-1]
    assert not any(line in logged for line in key_lines)
    assert all(readers == {None} for readers in readers_by_title(syncrag).values())
    assert run.checks["index_matches_ledger"].passed
    # While the API is down, nothing can be confirmed, so nothing is shown.
    down = ask(syncrag, emulator, DAN)
    assert down.hits == [] and down.withheld_unconfirmed == 3

    # Back up: unhinted chunks are confirmed one record at a time at query time.
    emulator.set_faults(permissions_status=0)
    assert titles(ask(syncrag, emulator, DAN)) == {"shared.md", "edited.md"}


def test_hints_follow_the_next_re_index_without_re_embedding(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    write_files(emulator)
    sync_id = emulator.enable(syncrag.state, "alice")
    first = syncrag.ingest("alice")
    before = syncrag.points("alice", with_vectors=True)

    # Dan loses access to shared.md, Erin gains it; the file itself does not change.
    share(emulator, "shared.md", {"is_owner": [OWNER], "can_read": [ERIN]})
    assert emulator.scan(sync_id, "incremental")["updated"] == 0
    # The stale hint still names Dan, but the query confirms with the API and withholds it.
    assert titles(ask(syncrag, emulator, DAN)) == {"edited.md"}
    # Erin is not in the stale hint, so she does not see it until it is re-indexed.
    assert titles(ask(syncrag, emulator, ERIN)) == set()

    # The file is re-synced with the same text (a trailing newline): its hints are refreshed.
    paragraphs, _ = FILES["shared.md"]
    emulator.write("alice", "shared.md", paragraphs_document("shared.md", paragraphs) + "\n")
    assert emulator.scan(sync_id, "incremental")["updated"] == 1
    again = syncrag.ingest("alice")

    assert again.index["records_indexed"] == 1
    assert again.index["chunks_embedded"] == 0
    assert again.index["payloads_refreshed"] == again.index["chunks_total"] > 0
    after = syncrag.points("alice", with_vectors=True)
    assert after.keys() == before.keys()
    assert all(after[pid][0] == before[pid][0] for pid in after)  # the same vectors
    assert readers_by_title(syncrag)["shared.md"] == {(OWNER, ERIN)}
    assert titles(ask(syncrag, emulator, ERIN)) == {"shared.md"}
    assert first.index["chunks_embedded"] == len(before)


def _contact(notes: str) -> str:
    return (
        json.dumps(
            {
                "externalId": "contact-0001",
                "firstName": "Contact",
                "lastName": "Person",
                "jobTitle": "Keeper",
                "notes": notes,
            }
        )
        + "\n"
    )


def test_the_query_command_filters_with_as(
    emulator: Emulator,
    syncrag: Syncrag,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_files(emulator)
    emulator.enable(syncrag.state, "alice")
    syncrag.ingest("alice")
    for name, value in syncrag.environ.items():
        monkeypatch.setenv(name, value)

    def query(*extra: str) -> set[str]:
        assert main(["query", "--user", "alice", TOPIC, "-k", "10", "--json", *extra]) == 0
        lines = capsys.readouterr().out.splitlines()
        return {json.loads(line)["title"] for line in lines}

    assert query() == {"shared.md", "edited.md", "private.md"}
    assert query("--as", DAN) == {"shared.md", "edited.md"}
    assert query("--as", ERIN) == set()
    for mode in ("dense", "sparse", "hybrid"):
        assert query("--mode", mode) == {"shared.md", "edited.md", "private.md"}
        assert query("--mode", mode, "--as", DAN) == {"shared.md", "edited.md"}
