"""One contract for every vector store: Qdrant Edge on a temp path and qdrant-client in memory."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resources.vectors import (
    EdgeVectorStore,
    QdrantServerVectorStore,
    SparseVector,
    StoredPoint,
    VectorStore,
    document_vector,
    point_id_for,
    query_vector,
)

DIM = 4
COLLECTION = "syncrag__test-model__4"


@pytest.fixture(params=["edge", "qdrant-memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    made: VectorStore
    if request.param == "edge":
        made = EdgeVectorStore(tmp_path / "vectors", COLLECTION, DIM)
    else:
        made = QdrantServerVectorStore(
            location=":memory:", collection_name=COLLECTION, dimension=DIM
        )
    try:
        yield made
    finally:
        made.close()


def point(
    user: str, record: str, vector: list[float], text: str = "chunk", **payload: Any
) -> StoredPoint:
    return StoredPoint(
        id=point_id_for(user, "sync-1", record, text, 0),
        vector=vector,
        payload={"user_id": user, "record_id": record, "text": text, **payload},
        sparse=document_vector(text),
    )


def ids(points: list[StoredPoint]) -> set[str]:
    return {p.id for p in points}


X = [1.0, 0.0, 0.0, 0.0]
Y = [0.0, 1.0, 0.0, 0.0]
Z = [0.0, 0.0, 1.0, 0.0]


def test_upserted_points_can_be_counted_scrolled_and_retrieved(store: VectorStore) -> None:
    payload = {
        "sync_id": "sync-1",
        "chunk_index": 2,
        "heading_path": ["Guide", "Install"],
        "title": "Guide é",
        "url": None,
        "updated_at": "2025-01-02T03:04:05Z",
    }
    a1 = point("alice", "r1", X, "one", **payload)
    a2 = point("alice", "r1", Y, "two")
    with store.open() as index:
        index.upsert("alice", [a1, a2])
        assert index.count("alice") == 2
        assert ids(list(index.scroll("alice"))) == {a1.id, a2.id}
        [got] = index.retrieve("alice", [a1.id])
    assert got.payload == a1.payload
    assert got.vector == pytest.approx(X)


def test_writes_are_visible_to_a_later_open(store: VectorStore) -> None:
    with store.open() as index:
        index.upsert("alice", [point("alice", "r1", X)])
    with store.open() as index:
        assert index.count("alice") == 1


def test_upserting_the_same_id_overwrites_it(store: VectorStore) -> None:
    first = point("alice", "r1", X, title="old")
    second = StoredPoint(
        id=first.id, vector=Y, payload={**first.payload, "title": "new"}, sparse=first.sparse
    )
    with store.open() as index:
        index.upsert("alice", [first])
        index.upsert("alice", [second])
        index.upsert("alice", [second])
        assert index.count("alice") == 1
        [got] = index.retrieve("alice", [first.id])
    assert got.payload["title"] == "new"
    assert got.vector == pytest.approx(Y)


def test_vectors_are_stored_normalised_for_cosine(store: VectorStore) -> None:
    p = point("alice", "r1", [3.0, 4.0, 0.0, 0.0])
    with store.open() as index:
        index.upsert("alice", [p])
        [got] = list(index.scroll("alice", with_vectors=True))
        [without] = list(index.scroll("alice"))
    assert got.vector == pytest.approx([0.6, 0.8, 0.0, 0.0], abs=1e-6)
    assert without.vector is None


def test_search_returns_the_nearest_points_first(store: VectorStore) -> None:
    near = point("alice", "r1", X, "near")
    mid = point("alice", "r1", [1.0, 1.0, 0.0, 0.0], "mid")
    far = point("alice", "r2", Y, "far")
    with store.open() as index:
        index.upsert("alice", [far, near, mid])
        hits = index.search("alice", X, limit=2)
    assert [h.id for h in hits] == [near.id, mid.id]
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[1].score == pytest.approx(1 / math.sqrt(2), abs=1e-5)
    assert hits[0].payload == near.payload


def test_search_never_returns_another_users_points(store: VectorStore) -> None:
    bobs = point("bob", "r1", X)
    alices = point("alice", "r1", Y)
    with store.open() as index:
        index.upsert("bob", [bobs])
        index.upsert("alice", [alices])
        assert [h.id for h in index.search("alice", X, limit=10)] == [alices.id]
        assert index.search("carol", X, limit=10) == []


def test_search_readable_by_keeps_listed_readers_and_unknown_readers(store: VectorStore) -> None:
    shared = point("alice", "r1", X, "shared", readers=["alice@example.com", "dan@example.com"])
    private = point("alice", "r2", X, "private", readers=["alice@example.com"])
    unknown = point("alice", "r3", X, "unknown")
    empty = point("alice", "r4", X, "empty", readers=[])
    bobs = point("bob", "r5", X, "bobs")
    with store.open() as index:
        index.upsert("alice", [shared, private, unknown, empty])
        index.upsert("bob", [bobs])
        for_dan = {h.id for h in index.search("alice", X, limit=10, readable_by="dan@example.com")}
        for_alice = {
            h.id for h in index.search("alice", X, limit=10, readable_by="alice@example.com")
        }
        everyone = {h.id for h in index.search("alice", X, limit=10)}
        for_dan_in_bob = index.search("bob", X, limit=10, readable_by="dan@example.com")
    assert for_dan == {shared.id, unknown.id, empty.id}
    assert for_alice == {shared.id, private.id, unknown.id, empty.id}
    assert everyone == for_alice
    # Unknown readers pass the filter, but never across tenants.
    assert [h.id for h in for_dan_in_bob] == [bobs.id]


def test_search_readable_by_needs_a_lower_case_email(store: VectorStore) -> None:
    with store.open() as index:
        for email in ("", "  ", "Dan@Example.com"):
            with pytest.raises(ValueError, match="email"):
                index.search("alice", X, limit=1, readable_by=email)


def test_delete_points_deletes_only_the_named_points(store: VectorStore) -> None:
    keep = point("alice", "r1", X, "keep")
    drop = point("alice", "r1", Y, "drop")
    unknown = point_id_for("alice", "sync-1", "r9", "never stored", 0)
    with store.open() as index:
        index.upsert("alice", [keep, drop])
        assert index.delete_points("alice", [drop.id, unknown]) == 1
        assert ids(list(index.scroll("alice"))) == {keep.id}
        assert index.delete_points("alice", []) == 0


def test_deleting_another_users_ids_deletes_nothing(store: VectorStore) -> None:
    bobs = [point("bob", "r1", X, "one"), point("bob", "r2", Y, "two")]
    with store.open() as index:
        index.upsert("bob", bobs)
        assert index.delete_points("alice", [p.id for p in bobs]) == 0
        assert index.delete_record("alice", "r1") == 0
        assert index.count("bob") == 2


def test_delete_record_deletes_that_users_record_only(store: VectorStore) -> None:
    # Record ids may repeat across users (two users syncing the same shared drive).
    alice_r1 = [point("alice", "r1", X, "one"), point("alice", "r1", Y, "two")]
    alice_r2 = point("alice", "r2", Z)
    bob_r1 = point("bob", "r1", X)
    with store.open() as index:
        index.upsert("alice", [*alice_r1, alice_r2])
        index.upsert("bob", [bob_r1])
        assert index.delete_record("alice", "r1") == 2
        assert ids(list(index.scroll("alice"))) == {alice_r2.id}
        assert ids(list(index.scroll("bob"))) == {bob_r1.id}


def test_point_ids_for_records_maps_each_asked_record(store: VectorStore) -> None:
    r1 = [point("alice", "r1", X, "one"), point("alice", "r1", Y, "two")]
    r2 = point("alice", "r2", Z)
    with store.open() as index:
        index.upsert("alice", [*r1, r2])
        index.upsert("bob", [point("bob", "r3", X)])
        found = index.point_ids_for_records("alice", ["r1", "r2", "r3"])
        assert index.point_ids_for_records("alice", []) == {}
    assert found == {"r1": ids(r1), "r2": {r2.id}, "r3": set()}


def test_points_for_records_carries_payloads(store: VectorStore) -> None:
    p = point("alice", "r1", X, title="T")
    with store.open() as index:
        index.upsert("alice", [p])
        found = index.points_for_records("alice", ["r1", "r2"])
    assert found == {"r1": {p.id: p.payload}, "r2": {}}


def test_retrieve_skips_other_users_and_missing_ids(store: VectorStore) -> None:
    alices = point("alice", "r1", X)
    bobs = point("bob", "r1", Y)
    with store.open() as index:
        index.upsert("alice", [alices])
        index.upsert("bob", [bobs])
        got = index.retrieve("alice", [alices.id, bobs.id], with_vectors=False)
    assert [(p.id, p.vector) for p in got] == [(alices.id, None)]


def test_upsert_cannot_overwrite_another_users_point(store: VectorStore) -> None:
    bobs = point("bob", "r1", X, title="bob's")
    hijack = StoredPoint(
        id=bobs.id,
        vector=Y,
        payload={"user_id": "alice", "record_id": "r1"},
        sparse=document_vector("hijack"),
    )
    with store.open() as index:
        index.upsert("bob", [bobs])
        index.upsert("alice", [hijack])
        [got] = index.retrieve("bob", [bobs.id])
        assert index.count("alice") == 0
    assert got.payload == bobs.payload
    assert got.vector == pytest.approx(X)


def test_scroll_and_count_without_a_user_cover_every_user(store: VectorStore) -> None:
    everyone = [point("alice", "r1", X), point("bob", "r1", Y), point("carol", "r2", Z)]
    with store.open() as index:
        for p in everyone:
            index.upsert(p.payload["user_id"], [p])
        assert index.count() == 3
        assert index.count("bob") == 1
        assert ids(list(index.scroll())) == ids(everyone)


def test_scroll_pages_through_many_points(store: VectorStore) -> None:
    many = [point("alice", "r1", [1.0, float(i), 0.0, 1.0], f"chunk {i}") for i in range(600)]
    with store.open() as index:
        index.upsert("alice", many)
        assert ids(list(index.scroll("alice"))) == ids(many)
        assert sum(len(v) for v in index.point_ids_for_records("alice", ["r1"]).values()) == 600


TERMS = document_vector("terms")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            StoredPoint(id=point("bob", "r1", X).id, vector=X, payload={"user_id": "bob"}),
            "bob",
        ),
        (StoredPoint(id=point("alice", "r1", X).id, vector=X, payload={}, sparse=TERMS), "user_id"),
        (
            StoredPoint(id="chunk-7", vector=X, payload={"user_id": "alice"}, sparse=TERMS),
            "not a UUID",
        ),
        (point("alice", "r1", [1.0, 0.0, 0.0]), "3 dimensions"),
        (point("alice", "r1", [0.0, 0.0, 0.0, 0.0]), "zeros"),
        (
            StoredPoint(
                id=point("alice", "r1", X).id,
                vector=None,
                payload={"user_id": "alice"},
                sparse=TERMS,
            ),
            "no vector",
        ),
        (
            StoredPoint(id=point("alice", "r1", X).id, vector=X, payload={"user_id": "alice"}),
            "no lexical vector",
        ),
        (
            StoredPoint(
                id=point("alice", "r1", X).id,
                vector=X,
                payload={"user_id": "alice"},
                sparse=SparseVector((3, 3), (1.0, 1.0)),
            ),
            "distinct",
        ),
        (
            StoredPoint(
                id=point("alice", "r1", X).id,
                vector=X,
                payload={"user_id": "alice"},
                sparse=SparseVector((2**32,), (1.0,)),
            ),
            "2\\^32",
        ),
        (
            StoredPoint(
                id=point("alice", "r1", X).id,
                vector=X,
                payload={"user_id": "alice"},
                sparse=SparseVector((3,), (math.nan,)),
            ),
            "finite",
        ),
    ],
)
def test_upsert_rejects_invalid_points_and_writes_none(
    store: VectorStore, bad: StoredPoint, message: str
) -> None:
    good = point("alice", "r2", Y)
    with store.open() as index:
        with pytest.raises(ValueError, match=message):
            index.upsert("alice", [good, bad])
        assert index.count() == 0


def test_calls_without_a_user_are_rejected(store: VectorStore) -> None:
    with store.open() as index, pytest.raises(ValueError, match="user_id"):
        index.search("", X)


def test_search_rejects_a_query_of_the_wrong_dimension(store: VectorStore) -> None:
    with store.open() as index, pytest.raises(ValueError, match="dimensions"):
        index.search("alice", [1.0, 0.0])


def test_lexical_vectors_are_stored_and_retrieved(store: VectorStore) -> None:
    p = point("alice", "r1", X, "ticket OPS-106 oven element")
    with store.open() as index:
        index.upsert("alice", [p])
        [got] = index.retrieve("alice", [p.id])
        [scrolled] = list(index.scroll("alice", with_vectors=True))
    assert p.sparse is not None and got.sparse is not None and scrolled.sparse is not None
    assert got.sparse.indices == p.sparse.indices == scrolled.sparse.indices
    assert got.sparse.values == pytest.approx(p.sparse.values)
    assert got.vector == pytest.approx(X)


def test_sparse_search_ranks_by_matching_rare_terms(store: VectorStore) -> None:
    ticket = point("alice", "r1", X, "OPS-106: proofer door seal torn")
    mention = point("alice", "r2", X, "see OPS-103; unrelated to the proofer")
    other = point("alice", "r3", X, "the proofer was cleaned")
    with store.open() as index:
        index.upsert("alice", [ticket, mention, other])
        hits = index.search("alice", None, limit=3, sparse=query_vector("OPS-106"))
        nothing = index.search("alice", None, limit=3, sparse=query_vector("the of and"))
    assert [h.id for h in hits][:1] == [ticket.id]
    assert other.id not in {h.id for h in hits}  # shares no term with the query
    assert hits[0].payload == ticket.payload
    assert nothing == []  # only stop words: no terms, no hits


def test_hybrid_search_fuses_dense_and_lexical_rankings(store: VectorStore) -> None:
    # `lexical` matches the words but points away; `semantic` points at the query vector but
    # shares no word; `both` does both and must come first.
    both = point("alice", "r1", X, "sourdough starter feeding")
    lexical = point("alice", "r2", Z, "sourdough starter inventory for the shop")
    semantic = point("alice", "r3", [1.0, 0.5, 0.0, 0.0], "levain refreshment timetable")
    with store.open() as index:
        index.upsert("alice", [both, lexical, semantic])
        hits = index.search("alice", X, limit=3, sparse=query_vector("sourdough starter"))
        dense_only = index.search("alice", X, limit=3, sparse=query_vector("the of"))
    assert hits[0].id == both.id
    assert {h.id for h in hits} == {both.id, lexical.id, semantic.id}
    assert hits[0].score > hits[1].score
    assert {h.id for h in dense_only[:2]} == {both.id, semantic.id}


def test_lexical_idf_counts_only_the_users_own_points(store: VectorStore) -> None:
    # For bob, "oven" is in every document and "seal" in one; alice's many "seal" documents
    # must not make "seal" common for bob (nor change his scores at all).
    bobs = [
        point("bob", "r1", X, "oven oven door"),
        point("bob", "r2", X, "oven seal"),
        point("bob", "r3", X, "oven tray"),
    ]
    query = query_vector("oven seal")
    with store.open() as index:
        index.upsert("bob", bobs)
        before = [(h.id, h.score) for h in index.search("bob", None, limit=3, sparse=query)]
        index.upsert("alice", [point("alice", f"r{i}", X, f"seal {i}") for i in range(20)])
        after = [(h.id, h.score) for h in index.search("bob", None, limit=3, sparse=query)]
    assert before[0][0] == bobs[1].id
    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before])


def test_lexical_and_hybrid_search_honour_readable_by(store: VectorStore) -> None:
    shared = point("alice", "r1", X, "budget OPS-7", readers=["dan@example.com"])
    private = point("alice", "r2", X, "budget OPS-7 draft", readers=["alice@example.com"])
    with store.open() as index:
        index.upsert("alice", [shared, private])
        terms = query_vector("budget OPS-7")
        sparse = index.search("alice", None, limit=5, sparse=terms, readable_by="dan@example.com")
        fused = index.search("alice", X, limit=5, sparse=terms, readable_by="dan@example.com")
    assert [h.id for h in sparse] == [shared.id]
    assert [h.id for h in fused] == [shared.id]


def test_a_search_needs_a_vector(store: VectorStore) -> None:
    with store.open() as index, pytest.raises(ValueError, match="dense vector, a lexical"):
        index.search("alice", None)


@pytest.mark.parametrize("backend", ["edge", "qdrant-memory"])
def test_a_dense_only_collection_takes_no_lexical_vectors(backend: str, tmp_path: Path) -> None:
    made: VectorStore
    if backend == "edge":
        made = EdgeVectorStore(tmp_path / "vectors", COLLECTION, DIM, lexical=False)
    else:
        made = QdrantServerVectorStore(
            location=":memory:", collection_name=COLLECTION, dimension=DIM, lexical=False
        )
    p = point("alice", "r1", X)
    plain = StoredPoint(id=p.id, vector=X, payload=p.payload)
    try:
        with made.open() as index:
            with pytest.raises(ValueError, match="holds none"):
                index.upsert("alice", [p])
            index.upsert("alice", [plain])
            assert [h.id for h in index.search("alice", X)] == [p.id]
            with pytest.raises(ValueError, match="no lexical vectors"):
                index.search("alice", X, sparse=query_vector("chunk"))
            [got] = index.retrieve("alice", [p.id])
        assert got.sparse is None
    finally:
        made.close()
