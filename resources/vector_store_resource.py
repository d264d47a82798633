"""Dagster resource for the vector store: embedded Qdrant Edge, or a Qdrant server."""

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from resources.vectors import VectorStore, vector_store_from_settings

# How long a run waits for an embedded store that other runs are using, before its user fails.
RUN_LOCK_TIMEOUT_S = 600.0


class VectorStoreResource(ConfigurableResource):
    """Where the points live: one collection per embedding model.

    A run gets one store per collection, whatever the number of users it covers, and the stores
    are closed when the run ends: a Qdrant server client is one connection pool per run, and an
    embedded shard stays open across the run's users until another process asks for it.
    """

    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL; None = embedded Qdrant Edge (QDRANT_URL)."
    )
    qdrant_api_key: str | None = Field(default=None, description="Qdrant API key (QDRANT_API_KEY).")
    edge_path: str = Field(
        default=".syncrag/qdrant",
        description="Folder of the embedded store (SYNCRAG_QDRANT_EDGE_PATH).",
    )
    _stores: dict[tuple[str, int], VectorStore] = PrivateAttr(default_factory=dict)

    def get_store(self, model_name: str, dimension: int) -> VectorStore:
        """The run's store for the model's collection, made on first use."""
        key = (model_name, dimension)
        store = self._stores.get(key)
        if store is None:
            store = vector_store_from_settings(
                self.qdrant_url,
                self.qdrant_api_key,
                Path(self.edge_path),
                model_name,
                dimension,
                hold_open=True,
                # A run has nothing better to do than wait its turn; a query gives up sooner.
                lock_timeout=RUN_LOCK_TIMEOUT_S,
            )
            self._stores[key] = store
        return store

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        stores, self._stores = list(self._stores.values()), {}
        for store in stores:
            store.close()
