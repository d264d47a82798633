"""Write slide decks (PPTX, one slide per section) and workbooks (XLSX, one sheet per table) from
the block model with python-pptx and XlsxWriter."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence

import xlsxwriter
from pptx import Presentation
from pptx.slide import Slide
from pptx.text.text import TextFrame
from pptx.util import Emu, Pt
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from demo.blocks import (
    Block,
    CodeBlock,
    Heading,
    ListBlock,
    Paragraph,
    Span,
    Table,
    plain_text,
)
from demo.errors import RenderError
from demo.stable_zip import FIXED_TIMESTAMP, restamp_zip

__all__ = ["render_pptx", "render_xlsx"]

_FIXED_DATETIME = dt.datetime.fromisoformat(FIXED_TIMESTAMP.replace("Z", "+00:00"))
_TITLE_ONLY_LAYOUT = 5  # in python-pptx's default template
_PARAGRAPHS_PER_SLIDE = 8
_TEXT_HEIGHT = Emu(3200400)
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


def _sections(blocks: list[Block]) -> list[tuple[str, list[Block]]]:
    """Blocks grouped under their level-1 or level-2 heading."""
    sections: list[tuple[str, list[Block]]] = []
    for block in blocks:
        if isinstance(block, Heading) and block.level <= 2:
            sections.append((plain_text(block.spans), []))
        elif sections:
            sections[-1][1].append(block)
        else:
            sections.append(("", [block]))
    return sections


def render_pptx(blocks: list[Block], *, title: str) -> bytes:
    """A deck with a title-only slide per section: its text in a text box, tables as tables.

    A section with more than _PARAGRAPHS_PER_SLIDE paragraphs continues on further slides.
    """
    deck = Presentation()
    width = Emu(deck.slide_width or 9144000)
    margin = Emu(457200)  # half an inch
    for heading, content in _sections(blocks):
        paragraphs = _slide_paragraphs([b for b in content if not isinstance(b, Table)])
        tables = [b for b in content if isinstance(b, Table)]
        pages = [
            paragraphs[i : i + _PARAGRAPHS_PER_SLIDE]
            for i in range(0, len(paragraphs), _PARAGRAPHS_PER_SLIDE)
        ] or [[]]
        for n, page in enumerate(pages):
            slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY_LAYOUT])
            if slide.shapes.title is not None:
                name = heading or title
                slide.shapes.title.text = f"{name} (continued)" if n else name
            top = Emu(1600200)
            if page:
                box = slide.shapes.add_textbox(margin, top, Emu(width - 2 * margin), _TEXT_HEIGHT)
                _fill(box.text_frame, page)
                top = Emu(top + _TEXT_HEIGHT)
            if n == len(pages) - 1:
                for table in tables:
                    top = _add_table(slide, table, margin, top, Emu(width - 2 * margin))
    properties = deck.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = "syncrag demo"
    properties.created = properties.modified = _FIXED_DATETIME.replace(tzinfo=None)
    properties.revision = 1
    buffer = io.BytesIO()
    deck.save(buffer)
    return restamp_zip(buffer.getvalue())


def _fill(frame: TextFrame, paragraphs: list[tuple[tuple[Span, ...], int]]) -> None:
    frame.word_wrap = True
    for n, (spans, level) in enumerate(paragraphs):
        paragraph = frame.add_paragraph() if n else frame.paragraphs[0]
        paragraph.level = level
        for span in spans:
            run = paragraph.add_run()
            run.text = span.text
            run.font.size = Pt(14)
            run.font.bold = span.bold or None
            run.font.italic = span.italic or None


def _add_table(slide: Slide, table: Table, left: Emu, top: Emu, width: Emu) -> Emu:
    """Put `table` on the slide at `top`; the top of whatever goes below it."""
    rows = [table.header, *table.rows]
    height = Emu(370840 * len(rows))
    shape = slide.shapes.add_table(
        len(rows), max(len(row) for row in rows), left, top, width, height
    )
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            shape.table.cell(r, c).text = cell
    return Emu(top + height + 228600)


def _slide_paragraphs(blocks: Sequence[Block]) -> list[tuple[tuple[Span, ...], int]]:
    paragraphs: list[tuple[tuple[Span, ...], int]] = []
    for block in blocks:
        if isinstance(block, Heading):
            paragraphs.append((tuple(Span(s.text, bold=True) for s in block.spans), 0))
        elif isinstance(block, Paragraph):
            paragraphs.append((block.spans, 0))
        elif isinstance(block, ListBlock):
            for item in block.items:
                marker = f"{item.number}. " if item.ordered else "\u2022 "
                paragraphs.append(((Span(marker), *item.spans), item.level))
        elif isinstance(block, CodeBlock):
            paragraphs.extend(((Span(line, code=True),), 0) for line in block.text.split("\n"))
    return paragraphs


def render_xlsx(blocks: list[Block], *, title: str) -> bytes:
    """A workbook with a sheet per table, named for the heading above it, led by a sheet named
    Notes holding the prose, if any, one paragraph per row."""
    notes: list[str] = []
    tables: list[tuple[str, Table]] = []
    heading = title
    for block in blocks:
        if isinstance(block, Heading):
            heading = plain_text(block.spans)
            if block.level > 1:
                notes.append(heading)
        elif isinstance(block, Paragraph):
            notes.append(plain_text(block.spans))
        elif isinstance(block, ListBlock):
            notes.extend(plain_text(item.spans) for item in block.items)
        elif isinstance(block, Table):
            tables.append((heading, block))
    if not tables:
        raise RenderError(f"'{title}' has no Markdown table to put in a workbook; add one")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": title, "author": "syncrag demo", "created": _FIXED_DATETIME})
    bold = book.add_format({"bold": True})
    names: set[str] = set()
    if notes:
        sheet = book.add_worksheet(_sheet_name("Notes", names))
        sheet.set_column(0, 0, 100)
        sheet.write_string(0, 0, "Notes", bold)
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        for r, text in enumerate(notes, start=1):
            sheet.write_string(r, 0, text, wrap)
    for heading, table in tables:
        _write_table(book.add_worksheet(_sheet_name(heading, names)), table, bold)
    book.close()
    return restamp_zip(buffer.getvalue())


def _write_table(sheet: Worksheet, table: Table, bold: Format) -> None:
    rows = (table.header, *table.rows)
    columns = max(len(row) for row in rows)
    # A column is written as numbers only when every body cell is a plain number, so a reader
    # gets the authored text back (no 1,250 turned into 1250.0).
    numeric = [
        bool(table.rows) and all(c < len(row) and _NUMBER.fullmatch(row[c]) for row in table.rows)
        for c in range(columns)
    ]
    for c, cell in enumerate(table.header):
        sheet.write_string(0, c, cell, bold)
    for r, row in enumerate(table.rows, start=1):
        for c, cell in enumerate(row):
            if numeric[c]:
                sheet.write_number(r, c, float(cell))
            elif cell:
                sheet.write_string(r, c, cell)
    for c in range(columns):
        longest = max(len(row[c]) for row in rows if c < len(row))
        sheet.set_column(c, c, min(60, max(8, longest + 2)))


def _sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\' (Excel's rules)."""
    base = _SHEET_NAME_FORBIDDEN.sub("", text).strip()[:28] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:27]} {n}"
    taken.add(name.lower())
    return name
