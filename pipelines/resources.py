"""Binds syncrag's resources to the settings: secrets by `EnvVar`, the rest by value."""

from __future__ import annotations

from typing import Any

from dagster import EnvVar

from pipelines.settings import Settings
from resources.embedder_resource import EmbedderResource
from resources.ingest_settings_resource import IngestSettingsResource
from resources.state_resource import StateResource
from resources.sync_api_resource import SyncApiResource
from resources.text.limits import MB
from resources.vector_store_resource import VectorStoreResource


def build_resources(settings: Settings) -> dict[str, Any]:
    """The resources every syncrag asset, job and sensor uses, keyed as the code expects them."""
    limits = settings.extraction_limits
    return {
        "sync_api": SyncApiResource(
            base_url=settings.sync_api_url,
            project_id=settings.project_id,
            aud_host=settings.aud_host,
            signing_key=EnvVar("SYNCRAG_SIGNING_KEY") if settings.signing_key_set else None,
            signing_key_path=None if settings.signing_key_set else settings.signing_key_path,
            token_lifetime_seconds=settings.token_lifetime_seconds,
        ),
        "state": StateResource(url=settings.state_url),
        "embedder": EmbedderResource(
            backend=settings.embedding_backend,
            model=settings.embedding_model,
            device=settings.embedding_device,
            model_dir=settings.model_dir,
            batch_size=settings.embedding_batch_size,
            chunk_overlap_tokens=settings.chunk_overlap_tokens,
        ),
        "vector_store": VectorStoreResource(
            qdrant_url=settings.qdrant_url,
            qdrant_api_key=EnvVar("QDRANT_API_KEY") if settings.qdrant_api_key_set else None,
            edge_path=settings.qdrant_edge_path,
        ),
        "ingest_settings": IngestSettingsResource(
            page_size=settings.page_size,
            record_batch_size=settings.record_batch_size,
            reconcile_max_delete_share=settings.reconcile_max_delete_share,
            max_download_mb=limits.download_bytes // MB,
            max_expanded_mb=limits.expanded_bytes // MB,
            max_compression_ratio=limits.compression_ratio,
            extract_memory_mb=limits.memory_bytes // MB,
            extract_timeout_seconds=limits.seconds,
            max_text_mb=limits.text_bytes // MB,
        ),
    }
