"""Dagster resource holding the ingestion knobs that are not tied to one outside service."""

from dagster import ConfigurableResource
from pydantic import Field


class IngestSettingsResource(ConfigurableResource):
    """Batch sizes and the reconcile guard."""

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
