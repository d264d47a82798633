"""Text for the index: documents and records as Markdown, cut into token-bounded chunks."""

from resources.text.chunker import Chunk, MarkdownChunker
from resources.text.errors import (
    ExtractionError,
    LimitExceededError,
    NoTextError,
    UnreadableFileError,
    UnsupportedFileTypeError,
)
from resources.text.extract import TextExtractor, extract_markdown
from resources.text.limits import ExtractionLimits, check_archive
from resources.text.records import render_crm_record, render_ticket
from resources.text.worker import (
    DocumentReader,
    ExtractionWorker,
    InProcessReader,
    WorkerUnavailableError,
)

__all__ = [
    "Chunk",
    "DocumentReader",
    "ExtractionError",
    "ExtractionLimits",
    "ExtractionWorker",
    "InProcessReader",
    "LimitExceededError",
    "MarkdownChunker",
    "NoTextError",
    "TextExtractor",
    "UnreadableFileError",
    "UnsupportedFileTypeError",
    "WorkerUnavailableError",
    "check_archive",
    "extract_markdown",
    "render_crm_record",
    "render_ticket",
]
