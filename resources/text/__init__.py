"""Text for the index: documents and records as Markdown, cut into token-bounded chunks."""

from resources.text.chunker import Chunk, MarkdownChunker
from resources.text.errors import (
    ExtractionError,
    NoTextError,
    UnreadableFileError,
    UnsupportedFileTypeError,
)
from resources.text.extract import TextExtractor, extract_markdown
from resources.text.records import render_crm_record, render_ticket

__all__ = [
    "Chunk",
    "ExtractionError",
    "MarkdownChunker",
    "NoTextError",
    "TextExtractor",
    "UnreadableFileError",
    "UnsupportedFileTypeError",
    "extract_markdown",
    "render_crm_record",
    "render_ticket",
]
