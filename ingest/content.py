"""Reads a ledger record's text as Markdown: downloads files and tickets, renders CRM records."""

from __future__ import annotations

from resources.state import LedgerRecord
from resources.sync_api import Content, ContentTooLarge, SyncApiClient, SyncApiNotFound
from resources.text import DocumentReader, ExtractionError, LimitExceededError, render_crm_record
from resources.text.limits import describe_bytes

FILE_PIPELINES = frozenset({"files"})
TICKET_PIPELINES = frozenset({"tickets"})
# Folders are records of the files pipeline with nothing to read (SPEC.md section 5).
FOLDER_MIME_TYPES = frozenset(
    {
        "application/vnd.google-apps.folder",
        "application/x-directory",
        "inode/directory",
        "folder",
    }
)


class ContentReader:
    """Turns one record of one sync into Markdown, the way its pipeline stores text.

    Downloaded bytes are read by `documents` (in production a bounded worker process).
    """

    def __init__(
        self, client: SyncApiClient, documents: DocumentReader, *, max_download_bytes: int
    ) -> None:
        self._client = client
        self._documents = documents
        self._max_download_bytes = max_download_bytes

    def markdown_for(self, record: LedgerRecord, pipeline: str) -> str:
        """The record's text as Markdown; an empty string for records with no text (folders).

        Raises ExtractionError when the content cannot be read as text.
        """
        if pipeline in FILE_PIPELINES:
            if (record.mime_type or "").lower() in FOLDER_MIME_TYPES:
                return ""
            try:
                content = self._download(record)
            except SyncApiNotFound as exc:
                raise ExtractionError("the file's content is no longer available") from exc
            return self._documents.file_markdown(
                content.data,
                mime_type=record.mime_type or content.content_type,
                name=record.name or record.external_id or record.record_id,
            )
        if pipeline in TICKET_PIPELINES:
            try:
                archive = self._download(record).data
            except SyncApiNotFound:
                archive = None  # a ticket without downloadable content still has its description
            return self._documents.ticket_markdown(record.raw, archive)
        return render_crm_record(pipeline, record.raw)

    def _download(self, record: LedgerRecord) -> Content:
        try:
            return self._client.download_content(
                record.user_id,
                record.sync_id,
                record.record_id,
                max_bytes=self._max_download_bytes,
            )
        except ContentTooLarge:
            name = record.name or record.external_id or record.record_id
            raise LimitExceededError(
                f"'{name}' is larger than the {describe_bytes(self._max_download_bytes)} "
                "download limit (SYNCRAG_MAX_DOWNLOAD_MB); the download stopped there.",
                limit="download size",
            ) from None
