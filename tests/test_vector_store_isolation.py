"""Property: whatever users, records and operations, every search and delete stays in its user.

A plain model (user -> point ids) is run beside each store; after every operation the store
must hold exactly what the model holds, for every user. Searches are dense, lexical and hybrid,
with and without a reader: each returns exactly the user's points it should match.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources.vectors import (
    EdgeVectorStore,
    QdrantServerVectorStore,
    StoredPoint,
    VectorIndex,
    VectorStore,
    document_vector,
    lexical_terms,
    point_id_for,
    query_vector,
)

DIM = 4
USERS = ["alice", "bob", "carol"]
RECORDS = ["r1", "r2", "r3"]
READERS = ["ana@example.com", "ben@example.com"]
# The same words (an identifier among them) in every user's points.
WORDS = ["oven", "seal", "OPS-106", "tray", "ledger"]

vectors = st.lists(st.integers(-3, 3), min_size=DIM, max_size=DIM).filter(any)
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
# Permission hints: absent (unknown) or a list of readers, the same emails for every user.
reader_lists = st.one_of(st.none(), st.lists(st.sampled_from(READERS), unique=True))
point_specs = st.tuples(
    st.sampled_from(USERS),
    st.sampled_from(RECORDS),
    st.integers(0, 3),
    vectors,
    reader_lists,
    texts,
)
# A lexical or hybrid search: its words, its dense vector (None: lexical only), its reader.
lexical_queries = st.tuples(texts, st.one_of(st.none(), vectors), st.sampled_from([None, *READERS]))
operations = st.one_of(
    st.tuples(st.just("search"), st.sampled_from(USERS), vectors),
    # A search on behalf of a reader: the hint filter must not widen the search past its user.
    st.tuples(
        st.just("search_as"), st.sampled_from(USERS), st.tuples(vectors, st.sampled_from(READERS))
    ),
    st.tuples(st.just("search_lexical"), st.sampled_from(USERS), lexical_queries),
    # Indices into every stored point id, so deletes aim at other users' ids too.
    st.tuples(st.just("delete_points"), st.sampled_from(USERS), st.lists(st.integers(0, 40))),
    st.tuples(st.just("delete_record"), st.sampled_from(USERS), st.sampled_from(RECORDS)),
)

# Examples share one open index per backend (opening flushes and fsyncs, ~0.1 s on Edge);
# a fresh run number keeps their users apart.
_runs = itertools.count()


@pytest.fixture(scope="module", params=["edge", "qdrant-memory"])
def index(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VectorIndex]:
    made: VectorStore
    if request.param == "edge":
        made = EdgeVectorStore(tmp_path_factory.mktemp("isolation"), "syncrag__t__4", DIM)
    else:
        made = QdrantServerVectorStore(
            location=":memory:", collection_name="syncrag__t__4", dimension=DIM
        )
    try:
        with made.open() as opened:
            yield opened
    finally:
        made.close()


Model = dict[str, dict[str, str]]  # user -> {point id: record id}
Readers = dict[str, list[str] | None]  # point id -> its readers hint
Terms = dict[str, set[str]]  # point id -> its lexical terms


def assert_store_matches(index: VectorIndex, model: Model) -> None:
    for user, points in model.items():
        assert {p.id for p in index.scroll(user)} == set(points)
        by_record = index.point_ids_for_records(user, RECORDS)
        for record in RECORDS:
            assert by_record[record] == {pid for pid, rid in points.items() if rid == record}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(point_specs, max_size=15), ops=st.lists(operations, max_size=6))
def test_every_search_and_delete_stays_within_its_user(
    index: VectorIndex,
    specs: list[tuple[str, str, int, list[int], list[str] | None, str]],
    ops: list[tuple[str, str, object]],
) -> None:
    run = next(_runs)
    model: Model = {f"{user}-{run}": {} for user in USERS}
    batches: dict[str, dict[str, StoredPoint]] = {user: {} for user in model}
    readers: Readers = {}
    terms: Terms = {}
    for name, record, chunk, vector, hint, text in specs:
        user = f"{name}-{run}"
        pid = point_id_for(user, "sync", record, f"chunk {chunk}", 0)
        payload: dict[str, object] = {"user_id": user, "record_id": record}
        if hint is not None:
            payload["readers"] = hint
        # A later spec of the same point replaces it, as an upsert does.
        batches[user][pid] = StoredPoint(
            id=pid,
            vector=[float(x) for x in vector],
            payload=payload,
            sparse=document_vector(text),
        )
        model[user][pid] = record
        readers[pid] = hint
        terms[pid] = set(lexical_terms(text))

    for user, batch in batches.items():
        index.upsert(user, list(batch.values()))
    assert_store_matches(index, model)
    every_id = [pid for points in model.values() for pid in points]

    for kind, name, arg in ops:
        user = f"{name}-{run}"
        if kind == "search":
            assert isinstance(arg, list)
            hits = index.search(user, [float(x) for x in arg], limit=50)
            assert {h.id for h in hits} == set(model[user])
            assert all(h.payload["user_id"] == user for h in hits)
        elif kind == "search_as":
            assert isinstance(arg, tuple)
            vector, reader = arg
            hits = index.search(user, [float(x) for x in vector], limit=50, readable_by=reader)
            # No hint, or an empty one, is "unknown": it passes, to be confirmed at query time.
            allowed = {pid for pid in model[user] if not readers[pid] or reader in readers[pid]}
            assert {h.id for h in hits} == allowed
            assert all(h.payload["user_id"] == user for h in hits)
        elif kind == "search_lexical":
            assert isinstance(arg, tuple)
            text, vector, reader = arg
            dense = None if vector is None else [float(x) for x in vector]
            hits = index.search(
                user, dense, limit=50, sparse=query_vector(text), readable_by=reader
            )
            visible = {
                pid
                for pid in model[user]
                if reader is None or not readers[pid] or reader in readers[pid]
            }
            # Lexical alone: exactly the visible points sharing a term; fused: every visible
            # point (the dense side finds them all, and the prefetch depth exceeds them).
            wanted = set(lexical_terms(text))
            expected = visible if dense else {pid for pid in visible if terms[pid] & wanted}
            assert {h.id for h in hits} == expected
            assert all(h.payload["user_id"] == user for h in hits)
        elif kind == "delete_points":
            assert isinstance(arg, list)
            targets = {every_id[i % len(every_id)] for i in arg} if every_id else set()
            owned = targets & set(model[user])
            assert index.delete_points(user, sorted(targets)) == len(owned)
            for pid in owned:
                del model[user][pid]
        else:
            assert isinstance(arg, str)
            doomed = [pid for pid, rid in model[user].items() if rid == arg]
            assert index.delete_record(user, arg) == len(doomed)
            for pid in doomed:
                del model[user][pid]
        assert_store_matches(index, model)
