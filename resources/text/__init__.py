"""Text for the index: documents and records as Markdown, cut into token-bounded chunks.

Names are imported on first use, so that the extraction worker's child process (which imports
`resources.text.worker_child`, and with it this package) does not load the chunker's tokenizer
and LangChain splitters it never uses: a quarter of a second of every worker start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "Chunk": "resources.text.chunker",
    "MarkdownChunker": "resources.text.chunker",
    "ExtractionError": "resources.text.errors",
    "LimitExceededError": "resources.text.errors",
    "NoTextError": "resources.text.errors",
    "UnreadableFileError": "resources.text.errors",
    "UnsupportedFileTypeError": "resources.text.errors",
    "TextExtractor": "resources.text.extract",
    "extract_markdown": "resources.text.extract",
    "ExtractionLimits": "resources.text.limits",
    "check_archive": "resources.text.limits",
    "render_crm_record": "resources.text.records",
    "render_ticket": "resources.text.records",
    "DocumentReader": "resources.text.worker",
    "ExtractionWorker": "resources.text.worker",
    "InProcessReader": "resources.text.worker",
    "WorkerUnavailableError": "resources.text.worker",
}

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


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'resources.text' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
