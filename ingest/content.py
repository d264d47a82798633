"""Reads a ledger record's text as Markdown: downloads files and tickets, renders CRM records."""

from __future__ import annotations

from resources.state import LedgerRecord
from resources.sync_api import SyncApiClient, SyncApiNotFound
from resources.text import DocumentReader, ExtractionError, render_crm_record

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

    def __init__(self, client: SyncApiClient, documents: DocumentReader) -> None:
        self._client = client
        self._documents = documents

    def markdown_for(self, record: LedgerRecord, pipeline: str) -> str:
        """The record's text as Markdown; an empty string for records with no text (folders).

        Raises ExtractionError when the content cannot be read as text.
        """
        if pipeline in FILE_PIPELINES:
            if (record.mime_type or "").lower() in FOLDER_MIME_TYPES:
                return ""
            try:
                content = self._client.download_content(
                    record.user_id, record.sync_id, record.record_id
                )
            except SyncApiNotFound as exc:
                raise ExtractionError("the file's content is no longer available") from exc
            return self._documents.file_markdown(
                content.data,
                mime_type=record.mime_type or content.content_type,
                name=record.name or record.external_id or record.record_id,
            )
        if pipeline in TICKET_PIPELINES:
            try:
                archive = self._client.download_content(
                    record.user_id, record.sync_id, record.record_id
                ).data
            except SyncApiNotFound:
                archive = None  # a ticket without downloadable content still has its description
            return self._documents.ticket_markdown(record.raw, archive)
        return render_crm_record(pipeline, record.raw)
