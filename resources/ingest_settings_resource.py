"""Dagster resource holding the ingestion knobs that are not tied to one outside service."""

from dagster import ConfigurableResource
from pydantic import Field

from resources.text import ExtractionLimits
from resources.text.limits import MB


class IngestSettingsResource(ConfigurableResource):
    """Batch sizes, the reconcile guard and the bounds on what one record may cost to read."""

    page_size: int = Field(
        default=100, description="Records per Sync API page (SYNCRAG_PAGE_SIZE)."
    )
    record_batch_size: int = Field(
        default=32,
        description="Records read, embedded and written per batch (SYNCRAG_RECORD_BATCH_SIZE).",
    )
    reconcile_max_delete_share: float = Field(
        default=0.5,
        description="Largest share of a sync's records a full reconcile may delete.",
    )
    max_download_mb: int = Field(default=100, description="SYNCRAG_MAX_DOWNLOAD_MB.")
    max_expanded_mb: int = Field(default=200, description="SYNCRAG_MAX_EXPANDED_MB.")
    max_compression_ratio: int = Field(default=100, description="SYNCRAG_MAX_COMPRESSION_RATIO.")
    extract_memory_mb: int = Field(default=1024, description="SYNCRAG_EXTRACT_MEMORY_MB.")
    extract_timeout_seconds: float = Field(
        default=60.0, description="SYNCRAG_EXTRACT_TIMEOUT_SECONDS."
    )
    max_text_mb: int = Field(default=20, description="SYNCRAG_MAX_TEXT_MB.")

    def extraction_limits(self) -> ExtractionLimits:
        """The bounds on one record's download, expansion, memory, time and text."""
        return ExtractionLimits(
            download_bytes=self.max_download_mb * MB,
            expanded_bytes=self.max_expanded_mb * MB,
            compression_ratio=self.max_compression_ratio,
            memory_bytes=self.extract_memory_mb * MB,
            seconds=self.extract_timeout_seconds,
            text_bytes=self.max_text_mb * MB,
        )
