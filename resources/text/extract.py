"""Turns a document's bytes (PDF, Office, HTML, CSV, JSON, text, Markdown, reStructuredText)
into Markdown text."""

from __future__ import annotations

import functools
import io
import re
import threading
from typing import TYPE_CHECKING

from resources.text.errors import (
    LimitExceededError,
    NoTextError,
    UnreadableFileError,
    UnsupportedFileTypeError,
)
from resources.text.formats import (
    HTML,
    PDF,
    RST,
    SUPPORTED_LABELS,
    TEXT,
    DocumentFormat,
    declared_charset,
    normalise_mime_type,
    resolve_format,
)
from resources.text.limits import ExtractionLimits, check_archive, describe_bytes
from resources.text.markup import plain_text_markdown, rst_markdown
from resources.text.pdf import PdfNeedsPassword, PdfUnreadable, pdf_text
from resources.text.quality import decode_text, html_charset, judge_decoded, readable_text

if TYPE_CHECKING:
    from markitdown import MarkItDown

# Control characters other than tab and newline confuse tokenizers and Markdown parsers alike.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_MAX_NAME_IN_MESSAGE = 120


class TextExtractor:
    """Reads documents as Markdown; builds its markitdown converter once, on first use.

    `limits` bounds what a ZIP-based document may expand to and how much text it may give.
    """

    def __init__(self, limits: ExtractionLimits | None = None) -> None:
        self._lock = threading.Lock()
        self._markitdown: MarkItDown | None = None
        self._limits = limits or ExtractionLimits()

    def warm_up(self) -> None:
        """Loads the converters and the PDF reader now rather than on the first document."""
        self._converter()

    def extract(self, content: bytes, *, mime_type: str | None, name: str) -> str:
        """The document's text as Markdown.

        Raises UnsupportedFileTypeError, UnreadableFileError or NoTextError (all
        ExtractionError) instead of any parser's own exception.
        """
        shown = _display_name(name)
        document_format = resolve_format(mime_type, name)
        if document_format is None:
            raise UnsupportedFileTypeError(
                f"{shown} has the unsupported type {_describe_type(mime_type, name)}; "
                f"syncrag reads only {SUPPORTED_LABELS} files."
            )
        if not content or content.isspace():
            raise NoTextError(f"{shown} is empty.")
        if document_format.is_plain_text:
            text = _decoded_text(content, mime_type, document_format, shown)
        elif document_format is PDF:
            text = _read_pdf(content, shown)
        else:
            check_archive(content, self._limits, shown=shown)
            if document_format.is_encoded_text:
                # Decoded and judged here, then handed to markitdown as UTF-8.
                decoded = _decoded_text(content, mime_type, document_format, shown)
                content = decoded.encode("utf-8")
            text = _without_html_comments(self._convert(content, document_format, shown))
        if len(text) > self._limits.text_bytes:
            raise LimitExceededError(
                f"{shown} holds more than the {describe_bytes(self._limits.text_bytes)} text "
                "limit (SYNCRAG_MAX_TEXT_MB).",
                limit="text size",
            )
        # All of the text, whatever its format, is judged before anything is kept of it.
        text = _as_markdown(_tidy(readable_text(text, shown)), document_format)
        if not text:
            raise NoTextError(
                f"{shown} holds no text to index; scanned or image-only pages carry none."
            )
        return text

    def _convert(self, content: bytes, document_format: DocumentFormat, shown: str) -> str:
        from markitdown import StreamInfo

        stream_info = StreamInfo(
            extension=document_format.extension,
            mimetype=document_format.mime_type,
            charset="utf-8" if document_format.is_encoded_text else None,
        )
        # Built outside the try: a broken installation is not a corrupt document.
        converter = self._converter()
        try:
            result = converter.convert_stream(io.BytesIO(content), stream_info=stream_info)
        except Exception as exc:
            if _ran_out_of_memory(exc):
                # The memory bound, not a corrupt file: markitdown wraps what its parsers raise.
                raise MemoryError from exc
            raise UnreadableFileError(
                f"{shown} is corrupt or cannot be read as {document_format.label}."
            ) from exc
        return result.markdown

    def _converter(self) -> MarkItDown:
        with self._lock:
            if self._markitdown is None:
                self._markitdown = _build_markitdown()
            return self._markitdown


def _ran_out_of_memory(exc: BaseException) -> bool:
    """Whether a MemoryError lies behind `exc`: in its chain, or in a markitdown attempt."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return True
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        # markitdown's FileConversionException keeps each converter's failure in `attempts`.
        for attempt in getattr(current, "attempts", None) or ():
            info = getattr(attempt, "exc_info", None)
            if info and isinstance(info[1], BaseException):
                pending.append(info[1])
    return False


def _read_pdf(content: bytes, shown: str) -> str:
    try:
        return pdf_text(content)
    except PdfNeedsPassword as exc:
        raise UnreadableFileError(
            f"{shown} needs a password to open; syncrag reads only PDFs without one."
        ) from exc
    except PdfUnreadable as exc:
        raise UnreadableFileError(f"{shown} is corrupt or cannot be read as PDF.") from exc


def _build_markitdown() -> MarkItDown:
    # Only the converters for the formats markitdown reads for us (PDFs go to PDFium, see
    # resources/text/pdf.py): markitdown's catch-alls would turn a
    # corrupt DOCX into "plain text" garbage, and some built-ins reach out (the audio
    # converter transcribes through a web API, the image one runs exiftool, YouTube fetches).
    from markitdown import MarkItDown
    from markitdown.converters import (
        CsvConverter,
        DocxConverter,
        HtmlConverter,
        PptxConverter,
        XlsxConverter,
    )

    markitdown = MarkItDown(enable_builtins=False, enable_plugins=False)
    for converter in (
        HtmlConverter(),
        CsvConverter(),
        DocxConverter(),
        PptxConverter(),
        XlsxConverter(),
    ):
        markitdown.register_converter(converter)
    return markitdown


def _decoded_text(
    content: bytes, mime_type: str | None, document_format: DocumentFormat, shown: str
) -> str:
    charset = declared_charset(mime_type)
    if charset is None and document_format is HTML:
        charset = html_charset(content)
    decoded = decode_text(content, declared_charset=charset)
    judge_decoded(decoded, shown)
    return decoded.text


def _as_markdown(text: str, document_format: DocumentFormat) -> str:
    """Plain text and reStructuredText written as Markdown; the other formats already are."""
    if document_format is TEXT:
        return plain_text_markdown(text)
    if document_format is RST:
        return rst_markdown(text).strip()
    return text


def _without_html_comments(text: str) -> str:
    """The text without <!-- ... --> comments, with which markitdown marks slides and the like:
    noise in an embedding. (A lazy regex would rescan to the end from every unclosed one.)"""
    kept: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break
        kept.append(text[position:start])
        position = end + 3
    kept.append(text[position:])
    return "".join(kept)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # PDF page breaks arrive as form feeds; a page break is a paragraph break.
    text = text.replace("\x0c", "\n\n")
    text = _CONTROL_CHARACTERS.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _display_name(name: str) -> str:
    flat = " ".join(name.split()) or "the document"
    if len(flat) > _MAX_NAME_IN_MESSAGE:
        flat = flat[: _MAX_NAME_IN_MESSAGE - 3] + "..."
    return f"'{flat}'" if name.strip() else flat


def _describe_type(mime_type: str | None, name: str) -> str:
    mime = normalise_mime_type(mime_type)
    if mime:
        return mime
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return f".{suffix}" if suffix else "(unknown: no MIME type and no file extension)"


@functools.cache
def _shared_extractor() -> TextExtractor:
    return TextExtractor()


def extract_markdown(content: bytes, *, mime_type: str | None, name: str) -> str:
    """The document's text as Markdown, read with one shared TextExtractor.

    Raises ExtractionError (unsupported type, corrupt or unreadable file, no text).
    """
    return _shared_extractor().extract(content, mime_type=mime_type, name=name)
