"""End to end through the emulator: isolation between users, embedding only what an edit changed,
and a re-run with no change that writes nothing (design invariants 1 and 5)."""

from __future__ import annotations

import os
from collections import Counter

from resources.text import extract_markdown
from tests.e2e.harness import Emulator, Syncrag, paragraphs_document

PHRASES = {
    "alice": "heron migrates the billing cluster onto arm servers",
    "bob": "walrus rewrites onboarding emails in plain language",
    "carol": "falcon audits vendor contracts before each renewal",
}
SHARED_TOPIC = (
    "The team offsite agenda covers hiring, the roadmap review and a long lunch by the river."
)


def _project_doc(user: str) -> str:
    return paragraphs_document(
        f"{user.title()} project notes",
        [
            f"Project {PHRASES[user]}, says the kickoff memo.",
            "Status is green; the next milestone is at the end of the quarter.",
        ],
    )


def test_each_user_finds_their_own_documents_and_never_another_users(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    for user in PHRASES:
        emulator.write(user, "project.md", _project_doc(user))
        emulator.write(user, "offsite.md", paragraphs_document("Offsite", [SHARED_TOPIC]))
        emulator.enable(syncrag.state, user)

    for user in PHRASES:
        run = syncrag.ingest(user)
        assert run.index["records_indexed"] == 2
        assert run.checks["index_matches_ledger"].passed

    for user, phrase in PHRASES.items():
        own = syncrag.search(user, phrase)
        assert phrase in own[0].payload["text"]
        assert {hit.payload["user_id"] for hit in own} == {user}
        for other, other_phrase in PHRASES.items():
            if other == user:
                continue
            # Another user's words score nothing of theirs: the search never leaves the tenant.
            hits = syncrag.search(user, other_phrase, limit=50)
            assert {hit.payload["user_id"] for hit in hits} == {user}
            assert not any(other_phrase in hit.payload["text"] for hit in hits)
    everyone = syncrag.points(None)
    per_user = {user: syncrag.points(user) for user in PHRASES}
    assert sum(len(points) for points in per_user.values()) == len(everyone)
    for user, points in per_user.items():
        assert {payload["user_id"] for payload in points.values()} == {user}


def _long_document(edited: int | None = None) -> str:
    topics = [
        "harbour",
        "glacier",
        "orchard",
        "foundry",
        "observatory",
        "archive",
        "vineyard",
        "quarry",
    ]
    paragraphs = []
    for i in range(40):
        topic = topics[i % len(topics)]
        text = (
            f"Section {i} describes the {topic} in detail: its history since year {1800 + i}, "
            f"the {i * 7} people who worked there, the tools they used every morning, how the "
            f"seasons changed the work, and what visitors remember of the {topic} today."
        )
        if i == edited:
            text = (
                "This paragraph was rewritten: the old account was wrong about the dates, "
                "so the chronicle now follows the parish records instead."
            )
        paragraphs.append(text)
    return paragraphs_document("Regional chronicle", paragraphs)


def test_editing_one_paragraph_embeds_exactly_the_changed_chunks(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    name = "chronicle.md"
    before, after = _long_document(), _long_document(edited=20)
    emulator.write("alice", name, before)
    sync_id = emulator.enable(syncrag.state, "alice")
    first = syncrag.ingest("alice")
    record = syncrag.ledger_by_name("alice")[name]
    points_before = syncrag.points("alice", with_vectors=True)

    emulator.write("alice", name, after)
    assert emulator.scan(sync_id, "incremental")["updated"] == 1
    second = syncrag.ingest("alice")

    def chunk_texts(markdown: str) -> Counter[str]:
        text = extract_markdown(markdown.encode(), mime_type="text/markdown", name=name)
        return Counter(chunk.text for chunk in syncrag.chunker.split(text, title=name))

    old, new = chunk_texts(before), chunk_texts(after)
    added, removed = new - old, old - new
    assert first.index["chunks_embedded"] == sum(old.values()) > 10
    assert 0 < sum(added.values()) < sum(new.values()) // 2
    assert second.index["records_indexed"] == 1
    assert second.index["chunks_total"] == sum(new.values())
    assert second.index["chunks_embedded"] == sum(added.values())
    assert second.index["chunks_reused"] == sum(new.values()) - sum(added.values())
    assert second.index["points_deleted"] == sum(removed.values())
    assert second.checks["index_matches_ledger"].passed

    points_after = syncrag.points("alice", with_vectors=True)
    assert Counter(payload["text"] for _, payload in points_after.values()) == new
    assert {payload["record_id"] for _, payload in points_after.values()} == {record.record_id}
    kept = points_before.keys() & points_after.keys()
    assert len(kept) == sum(new.values()) - sum(added.values())
    # Reused points keep the vector they were embedded with, and get the new version's payload.
    assert all(points_before[pid][0] == points_after[pid][0] for pid in kept)
    assert second.index["payloads_refreshed"] == len(kept)
    updated_at = syncrag.ledger_by_name("alice")[name].source_updated_at
    assert {payload["updated_at"] for _, payload in points_after.values()} == {updated_at}


def test_a_rerun_with_no_change_embeds_nothing_and_writes_nothing(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    for i in range(5):
        emulator.write("bob", f"doc{i}.md", _long_document(edited=i))
    touched = emulator.write("bob", "notes.txt", "Plain text notes about the quarry.\n")
    sync_id = emulator.enable(syncrag.state, "bob")
    syncrag.ingest("bob")
    points_before = syncrag.points("bob", with_vectors=True)

    # Same bytes with a new mtime, then an incremental scan: no change to report.
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    assert emulator.scan(sync_id, "incremental")["updated"] == 0
    again = syncrag.ingest("bob")

    assert again.records["records_new"] == again.records["records_updated"] == 0
    assert again.index["chunks_embedded"] == 0
    assert again.index["points_upserted"] == 0
    assert again.index["points_deleted"] == 0
    assert again.index["records_indexed"] == 0
    assert again.checks["index_matches_ledger"].passed
    assert syncrag.points("bob", with_vectors=True) == points_before

    # The daily full reconcile of an unchanged sync is as idle.
    reconciled = syncrag.ingest("bob", full_reconcile=True)
    assert reconciled.records["records_deleted"] == reconciled.records["reconcile_refused"] == 0
    assert reconciled.index["chunks_embedded"] == reconciled.index["points_upserted"] == 0
    assert reconciled.index["points_deleted"] == 0
    assert syncrag.points("bob", with_vectors=True) == points_before
