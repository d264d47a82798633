"""The vector store resource's lifecycle: one store per collection for a run, closed at its end."""

from __future__ import annotations

from pathlib import Path

from dagster import build_resources

from resources.vector_store_resource import VectorStoreResource
from resources.vectors import EdgeVectorStore
from tests.test_vector_store_contract import X, point

MODEL = "fake-model"
DIM = 4


def test_a_run_gets_one_store_per_collection_and_it_is_closed_when_the_run_ends() -> None:
    with build_resources({"vector_store": VectorStoreResource(qdrant_url=":memory:")}) as built:
        resource: VectorStoreResource = built.vector_store
        store = resource.get_store(MODEL, DIM)
        # Every user of a batch run gets the same store, hence the same client.
        assert resource.get_store(MODEL, DIM) is store
        assert resource.get_store("another-model", DIM) is not store
        with store.open() as index:
            index.upsert("alice", [point("alice", "r1", X)])
            assert index.count("alice") == 1

    # Closed at the end of the run: an in-memory Qdrant's client held the only copy.
    with store.open() as index:
        assert index.count("alice") == 0
    store.close()


def test_an_embedded_store_loads_its_shard_once_per_run_and_frees_it_at_the_end(
    tmp_path: Path,
) -> None:
    with build_resources(
        {"vector_store": VectorStoreResource(edge_path=str(tmp_path / "qdrant"))}
    ) as built:
        store = built.vector_store.get_store(MODEL, DIM)
        assert isinstance(store, EdgeVectorStore)
        for user in ("alice", "bob", "carol"):  # as a batch run's users follow one another
            with store.open() as index:
                index.upsert(user, [point(user, "r1", X)])
        assert store.shard_opens == 1

    # Freed at the end of the run: another opener gets in at once and sees every write.
    other = EdgeVectorStore(store.path, store.collection_name, DIM, lock_timeout=0)
    with other.open() as index:
        assert index.count() == 3
