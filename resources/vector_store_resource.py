"""Dagster resource for the vector store: embedded Qdrant Edge, or a Qdrant server."""

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from resources.vectors import VectorStore, vector_store_from_settings


class VectorStoreResource(ConfigurableResource):
    """Where the points live: one collection per embedding model."""

    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL; None = embedded Qdrant Edge (QDRANT_URL)."
    )
    qdrant_api_key: str | None = Field(default=None, description="Qdrant API key (QDRANT_API_KEY).")
    edge_path: str = Field(
        default=".syncrag/qdrant",
        description="Folder of the embedded store (SYNCRAG_QDRANT_EDGE_PATH).",
    )

    def get_store(self, model_name: str, dimension: int) -> VectorStore:
        return vector_store_from_settings(
            self.qdrant_url, self.qdrant_api_key, Path(self.edge_path), model_name, dimension
        )
