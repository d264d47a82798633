"""The document formats syncrag reads, and how a MIME type or file name maps to one of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class DocumentFormat:
    """One readable format: a label for messages, the canonical extension and MIME type."""

    label: str
    extension: str
    mime_type: str
    # Plain-text formats are decoded directly; the others go through markitdown.
    is_plain_text: bool = False
    # Bytes that are text in some character encoding, which syncrag decodes and judges itself.
    is_encoded_text: bool = False


PDF = DocumentFormat("PDF", ".pdf", "application/pdf")
DOCX = DocumentFormat(
    "DOCX", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
PPTX = DocumentFormat(
    "PPTX", ".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)
XLSX = DocumentFormat(
    "XLSX", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
HTML = DocumentFormat("HTML", ".html", "text/html", is_encoded_text=True)
CSV = DocumentFormat("CSV", ".csv", "text/csv", is_encoded_text=True)
JSON = DocumentFormat("JSON", ".json", "application/json", is_plain_text=True, is_encoded_text=True)
TEXT = DocumentFormat("text", ".txt", "text/plain", is_plain_text=True, is_encoded_text=True)
MARKDOWN = DocumentFormat(
    "Markdown", ".md", "text/markdown", is_plain_text=True, is_encoded_text=True
)
RST = DocumentFormat(
    "reStructuredText", ".rst", "text/x-rst", is_plain_text=True, is_encoded_text=True
)

SUPPORTED_LABELS = "PDF, DOCX, PPTX, XLSX, HTML, CSV, JSON, text, Markdown and reStructuredText"

_BY_MIME_TYPE: dict[str, DocumentFormat] = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    DOCX.mime_type: DOCX,
    PPTX.mime_type: PPTX,
    XLSX.mime_type: XLSX,
    # Google Drive serves its native documents exported to Office formats and PDF (SPEC.md 2.8),
    # while the record's metadata keeps the native type.
    "application/vnd.google-apps.document": DOCX,
    "application/vnd.google-apps.spreadsheet": XLSX,
    "application/vnd.google-apps.presentation": PPTX,
    "application/vnd.google-apps.drawing": PDF,
    "text/html": HTML,
    "application/xhtml+xml": HTML,
    "text/csv": CSV,
    "application/csv": CSV,
    "application/json": JSON,
    "text/json": JSON,
    "application/x-ndjson": JSON,
    "application/jsonl": JSON,
    "text/markdown": MARKDOWN,
    "text/x-markdown": MARKDOWN,
    "text/x-rst": RST,
    "text/prs.fallenstein.rst": RST,
    "text/plain": TEXT,
}

_BY_EXTENSION: dict[str, DocumentFormat] = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".pptx": PPTX,
    ".xlsx": XLSX,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".csv": CSV,
    ".json": JSON,
    ".jsonl": JSON,
    ".ndjson": JSON,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".txt": TEXT,
    ".text": TEXT,
    ".rst": RST,
    ".rest": RST,
}


def normalise_mime_type(mime_type: str | None) -> str:
    """The bare, lower-case MIME type: parameters such as `; charset=utf-8` dropped."""
    return (mime_type or "").split(";", 1)[0].strip().lower()


def declared_charset(mime_type: str | None) -> str | None:
    """The `charset` parameter of a MIME type (`text/plain; charset=windows-1252`), if any."""
    for parameter in (mime_type or "").split(";")[1:]:
        key, _, value = parameter.partition("=")
        value = value.strip().strip("\"'").strip()
        if key.strip().lower() == "charset" and value:
            return value
    return None


def resolve_format(mime_type: str | None, name: str) -> DocumentFormat | None:
    """The format to read a document as, or None when syncrag does not read it.

    A known MIME type wins over the file name, but for `text/plain`, which servers give any
    text file (a `.md`, a `.rst`), a text format the name names wins; an unknown or generic
    MIME type (such as `application/octet-stream`) falls back to the extension; any other
    `text/*` is read as text.
    """
    mime = normalise_mime_type(mime_type)
    by_name = _format_of_name(name)
    if mime == "text/plain" and by_name is not None and by_name.is_plain_text:
        return by_name
    if mime in _BY_MIME_TYPE:
        return _BY_MIME_TYPE[mime]
    if by_name is not None:
        return by_name
    if mime.startswith("text/"):
        return TEXT
    return None


def _format_of_name(name: str) -> DocumentFormat | None:
    path = PurePosixPath(name.strip().lower())
    found = _BY_EXTENSION.get(path.suffix)
    if found is TEXT:
        # Sphinx publishes its sources as "page.rst.txt" (or "page.md.txt").
        inner = _BY_EXTENSION.get(PurePosixPath(path.stem).suffix)
        if inner is RST or inner is MARKDOWN:
            return inner
    return found


def needs_converter(mime_type: str | None, name: str) -> bool:
    """Whether reading this file takes the document converters (markitdown), whose loading is
    the bulk of an extraction process's start: plain text and PDF do not."""
    document_format = resolve_format(mime_type, name)
    return (
        document_format is not None
        and not document_format.is_plain_text
        and (document_format is not PDF)
    )
