"""End to end: switching the embedding model (or runtime, or lexical scheme: each has its own
collection) re-indexes every record into the new collection, and switching back catches up on
what changed meanwhile while embedding only chunks the old collection does not hold."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from demo import render_document
from ingest import Indexer, pull_user
from ingest.search import SearchMode, search_user
from resources.state import RecordState
from resources.vectors import EdgeVectorStore, collection_name_for
from tests.e2e.harness import Emulator, Syncrag, install, installed, paragraphs_document

DOCUMENTS = {
    f"memo{i}.md": paragraphs_document(
        f"Memo {i}",
        [
            f"Memo {i} records what the {topic} team decided at the spring review.",
            f"The {topic} budget for next year stays at the level agreed in memo {i}.",
        ],
    )
    for i, topic in enumerate(("harbour", "orchard", "foundry", "archive"))
}
CHECK = "index_matches_ledger"


@contextlib.contextmanager
def switched(syncrag: Syncrag, workdir: Path, emulator: Emulator, model: str) -> Iterator[Syncrag]:
    """The same install (state DB, Qdrant store, Dagster instance) with another fake model."""
    other = install(emulator, workdir, syncrag.instance, SYNCRAG_EMBEDDING_MODEL=model)
    try:
        yield other
    finally:
        other.close()


def point_texts(syncrag: Syncrag, user: str) -> Counter[str]:
    return Counter(payload["text"] for payload in syncrag.points(user).values())


def test_a_new_model_gets_every_record_and_switching_back_embeds_nothing(
    emulator: Emulator, tmp_path: Path
) -> None:
    workdir = tmp_path / "syncrag"
    for name, text in DOCUMENTS.items():
        emulator.write("alice", name, text)
    with installed(emulator, workdir, SYNCRAG_EMBEDDING_MODEL="fake-a") as model_a:
        emulator.enable(model_a.state, "alice")
        first = model_a.ingest("alice")
        chunks = first.index["chunks_embedded"]
        points_a = model_a.points("alice")
        assert first.index["records_reindexed_for_new_collection"] == 0
        assert first.index["records_indexed"] == len(DOCUMENTS)
        assert first.checks[CHECK].passed

        with switched(model_a, workdir, emulator, "fake-b") as model_b:
            to_b = model_b.ingest("alice")

            assert to_b.index["collection"] != first.index["collection"]
            assert to_b.index["previous_collection"] == first.index["collection"]
            assert to_b.index["records_reindexed_for_new_collection"] == len(DOCUMENTS)
            assert to_b.index["records_indexed"] == len(DOCUMENTS)
            assert to_b.index["chunks_embedded"] == chunks
            assert to_b.checks[CHECK].passed
            assert point_texts(model_b, "alice") == point_texts(model_a, "alice")
            # The old collection is left as it was.
            assert model_a.points("alice") == points_a

            again = model_b.ingest("alice")
            assert again.index["records_reindexed_for_new_collection"] == 0
            assert again.index["records_indexed"] == again.index["chunks_embedded"] == 0

        back = model_a.ingest("alice")

        assert back.index["records_reindexed_for_new_collection"] == len(DOCUMENTS)
        assert back.index["records_indexed"] == len(DOCUMENTS)
        assert back.index["chunks_embedded"] == 0
        assert back.index["chunks_reused"] == chunks
        assert back.index["points_upserted"] == back.index["points_deleted"] == 0
        assert back.checks[CHECK].passed
        assert model_a.points("alice") == points_a


def test_switching_back_catches_up_on_edits_deletions_and_errors_made_meanwhile(
    emulator: Emulator, tmp_path: Path
) -> None:
    workdir = tmp_path / "syncrag"
    for name, text in DOCUMENTS.items():
        emulator.write("alice", name, text)
    emulator.write("alice", "plan.docx", render_document("# Plan\n\nShip it.\n", "docx", title="P"))
    with installed(emulator, workdir, SYNCRAG_EMBEDDING_MODEL="fake-a") as model_a:
        sync_id = emulator.enable(model_a.state, "alice")
        assert model_a.ingest("alice").index["records_indexed"] == len(DOCUMENTS) + 1
        ledger = model_a.ledger_by_name("alice")
        removed, broken = ledger["memo1.md"], ledger["plan.docx"]
        assert model_a.record_points("alice", removed.record_id)
        assert model_a.record_points("alice", broken.record_id)

        with switched(model_a, workdir, emulator, "fake-b") as model_b:
            model_b.ingest("alice")
            # Meanwhile, on model b: one memo edited, one deleted, the docx corrupted.
            edited = DOCUMENTS["memo2.md"].replace("stays at the level", "doubles from the level")
            emulator.write("alice", "memo2.md", edited)
            emulator.write("alice", "plan.docx", b"PK\x03\x04 this is no zip archive at all")
            (emulator.folder("alice") / "memo1.md").unlink()
            emulator.scan(sync_id, "full")
            meanwhile = model_b.ingest("alice")
            assert meanwhile.index["records_indexed"] == 1
            assert meanwhile.index["records_errored"] == meanwhile.index["records_purged"] == 1
            assert meanwhile.checks[CHECK].passed
            expected_texts = point_texts(model_b, "alice")
            indexed = sum(1 for r in model_b.ledger("alice") if r.state == RecordState.INDEXED)

        back = model_a.ingest("alice")

        assert back.index["records_reindexed_for_new_collection"] == indexed == len(DOCUMENTS) - 1
        # Model a still held the deleted memo's and the docx's points: gone before indexing.
        stale = (removed.chunk_count or 0) + (broken.chunk_count or 0)
        assert back.index["stale_points_deleted_from_collection"] == stale > 0
        assert model_a.record_points("alice", removed.record_id) == {}
        assert model_a.record_points("alice", broken.record_id) == {}
        # Only the edited memo's changed chunk is new to model a's collection.
        assert back.index["chunks_embedded"] == 1
        assert back.checks[CHECK].passed
        assert point_texts(model_a, "alice") == expected_texts


def forget_collections(syncrag: Syncrag) -> None:
    """What a ledger indexed by an earlier syncrag looks like: no collection recorded."""
    with syncrag.state.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM indexed_collections")


def test_an_index_from_before_collections_were_recorded_is_kept_only_if_it_matches(
    emulator: Emulator, tmp_path: Path
) -> None:
    workdir = tmp_path / "syncrag"
    for name, text in DOCUMENTS.items():
        emulator.write("bob", name, text)
    with installed(emulator, workdir, SYNCRAG_EMBEDDING_MODEL="fake-a") as model_a:
        emulator.enable(model_a.state, "bob")
        model_a.ingest("bob")
        forget_collections(model_a)

        # Upgraded, same model: the points match the ledger, so the collection is adopted.
        kept = model_a.ingest("bob")
        assert kept.index["records_reindexed_for_new_collection"] == 0
        assert kept.index["records_indexed"] == 0
        assert kept.checks[CHECK].passed
        assert model_a.state.indexed_collection("bob") == kept.index["collection"]

        # Upgraded and switched at once (torch before, int8 now): the new collection is empty.
        forget_collections(model_a)
        with switched(model_a, workdir, emulator, "fake-b") as model_b:
            moved = model_b.ingest("bob")
            assert moved.index["records_reindexed_for_new_collection"] == len(DOCUMENTS)
            assert moved.index["previous_collection"] == "(not recorded)"
            assert moved.index["records_indexed"] == len(DOCUMENTS)
            assert moved.checks[CHECK].passed


def test_an_index_from_before_lexical_vectors_is_rebuilt_with_them(
    emulator: Emulator, tmp_path: Path
) -> None:
    workdir = tmp_path / "syncrag"
    for name, text in DOCUMENTS.items():
        emulator.write("alice", name, text)
    with installed(emulator, workdir) as syncrag:
        emulator.enable(syncrag.state, "alice")
        model = syncrag.embedder
        # What syncrag did before lexical vectors: dense vectors only, in a collection named
        # after the model alone, recorded as the user's collection.
        old = EdgeVectorStore(
            Path(syncrag.settings.qdrant_edge_path),
            collection_name_for(model.model_name, model.dimension, None),
            model.dimension,
            lexical=False,
        )
        pull_user(emulator.client, syncrag.state, "alice")
        before = Indexer(
            client=emulator.client,
            state=syncrag.state,
            chunker=syncrag.chunker,
            embedder=model,
            store=old,
        ).index_user("alice")
        syncrag.state.move_to_collection("alice", old.collection_name, expected=None, reindex=False)
        with old.open() as index:
            old_points = {p.id for p in index.scroll("alice")}

        upgraded = syncrag.ingest("alice")

        assert upgraded.index["previous_collection"] == old.collection_name
        assert upgraded.index["collection"] == syncrag.vector_store().collection_name
        assert upgraded.index["records_reindexed_for_new_collection"] == len(DOCUMENTS)
        assert upgraded.index["chunks_embedded"] == before.chunks_embedded > 0
        assert upgraded.checks[CHECK].passed
        with syncrag.vector_store().open() as index:
            points = list(index.scroll("alice", with_vectors=True))
        assert {p.id for p in points} == old_points  # same chunks, same ids
        assert all(p.sparse for p in points)
        # The old collection is left as it was.
        with old.open() as index:
            assert {p.id for p in index.scroll("alice")} == old_points
        # Lexical search works on the new collection, without the model.
        [hit] = search_user(
            model, syncrag.vector_store(), "alice", "foundry", limit=1, mode=SearchMode.SPARSE
        )
        assert "foundry" in hit.payload["text"]

        again = syncrag.ingest("alice")
        assert again.index["records_reindexed_for_new_collection"] == 0
        assert again.index["chunks_embedded"] == again.index["points_upserted"] == 0
