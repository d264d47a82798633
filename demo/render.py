"""Render one Markdown document to any of the corpus's file formats, byte-for-byte reproducibly."""

from __future__ import annotations

from types import MappingProxyType

from demo.blocks import blocks_with_title, parse_blocks
from demo.errors import RenderError
from demo.render_docx import render_docx
from demo.render_office import render_pptx, render_xlsx
from demo.render_pdf import render_pdf
from demo.render_text import render_csv, render_html, render_markdown, render_txt

__all__ = ["FORMATS", "MEDIA_TYPES", "render_document"]

_OOXML = "application/vnd.openxmlformats-officedocument"
MEDIA_TYPES = MappingProxyType(
    {
        "md": "text/markdown",
        "txt": "text/plain",
        "html": "text/html",
        "pdf": "application/pdf",
        "docx": f"{_OOXML}.wordprocessingml.document",
        "pptx": f"{_OOXML}.presentationml.presentation",
        "xlsx": f"{_OOXML}.spreadsheetml.sheet",
        "csv": "text/csv",
    }
)
FORMATS: tuple[str, ...] = tuple(MEDIA_TYPES)


def render_document(markdown: str, fmt: str, *, title: str) -> bytes:
    """The document as a file of format `fmt` (one of FORMATS, also its file extension).

    Document formats open with `title` as a level-1 heading unless the Markdown already opens
    with one; xlsx and csv hold the document's tables (RenderError when it has none).
    """
    if fmt == "md":
        return render_markdown(markdown, parse_blocks(markdown), title=title)
    if fmt == "html":
        return render_html(markdown, parse_blocks(markdown), title=title)
    if fmt == "csv":
        return render_csv(parse_blocks(markdown), title=title)
    if fmt == "xlsx":
        return render_xlsx(parse_blocks(markdown), title=title)
    blocks = blocks_with_title(markdown, title)
    if fmt == "txt":
        return render_txt(blocks)
    if fmt == "pdf":
        return render_pdf(blocks, title=title)
    if fmt == "docx":
        return render_docx(blocks, title=title)
    if fmt == "pptx":
        return render_pptx(blocks, title=title)
    raise RenderError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
