"""Write a small text PDF (standard Helvetica and Courier fonts, A4 pages) from the block model,
without a PDF library."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from demo.blocks import Block, Heading, ListBlock, Paragraph, Table, plain_text

__all__ = ["render_pdf"]

_PAGE_WIDTH, _PAGE_HEIGHT, _MARGIN = 595, 842, 64
_TEXT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_BODY_SIZE, _CODE_SIZE = 10.5, 9.0
_HEADING_SIZES = {1: 18.0, 2: 14.0, 3: 12.0}
_COLUMN_GAP = 12.0

# Helvetica advance widths (1/1000 em) for printable ASCII 32..126, from the standard AFM.
_HELVETICA = (
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
    + [556] * 10
    + [278, 278, 584, 584, 584, 556, 1015]
    + [667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833]
    + [722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611]
    + [278, 278, 278, 469, 556, 333]
    + [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833]
    + [556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500]
    + [334, 260, 334, 584]
)
# Characters outside WinAnsiEncoding that the authored text may use.
_SUBSTITUTES = str.maketrans({"≤": "<=", "≥": ">=", "→": "->", "←": "<-", "≈": "~", "✓": "v"})


@dataclass(frozen=True)
class _Font:
    resource: str  # the name the page's resources give the font
    base: str
    scale: float  # widen Helvetica's metrics for the bold face

    def width(self, text: str, size: float) -> float:
        if self.base == "Courier":
            return 0.6 * size * len(text)
        units = sum(_HELVETICA[ord(c) - 32] if 32 <= ord(c) < 127 else 600 for c in text)
        return units * self.scale * size / 1000


_REGULAR = _Font("F1", "Helvetica", 1.0)
_BOLD = _Font("F2", "Helvetica-Bold", 1.06)
_MONO = _Font("F3", "Courier", 1.0)
_FONTS = (_REGULAR, _BOLD, _MONO)


@dataclass(frozen=True)
class _Run:
    font: _Font
    size: float
    x: float
    text: str


@dataclass(frozen=True)
class _Line:
    runs: tuple[_Run, ...]
    height: float
    space_before: float = 0.0


def render_pdf(blocks: list[Block], *, title: str) -> bytes:
    """A PDF whose text, read back by a text extractor (PDFium, pdfminer), is the blocks' text."""
    lines: list[_Line] = []
    for block in blocks:
        lines.extend(_layout(block))
    return _write(_paginate(lines), title)


def _layout(block: Block) -> list[_Line]:
    if isinstance(block, Heading):
        size = _HEADING_SIZES.get(block.level, _BODY_SIZE + 0.5)
        text = plain_text(block.spans)
        return _wrapped(text, _BOLD, size, _MARGIN, space_before=size)
    if isinstance(block, Paragraph):
        return _wrapped(plain_text(block.spans), _REGULAR, _BODY_SIZE, _MARGIN, space_before=6)
    if isinstance(block, ListBlock):
        lines: list[_Line] = []
        for n, item in enumerate(block.items):
            # The marker shares its line's run: pdfminer splits runs set apart into separate boxes.
            marker = f"{item.number}. " if item.ordered else "\u2022 "
            indent = _MARGIN + 12 + 16 * item.level
            text = plain_text(item.spans)
            item_lines = _wrapped(marker + text, _REGULAR, _BODY_SIZE, indent, space_before=2)
            hang = indent + _REGULAR.width(marker, _BODY_SIZE)
            lines.append(item_lines[0] if n else _Line(item_lines[0].runs, item_lines[0].height, 6))
            lines.extend(
                _Line((_Run(_REGULAR, _BODY_SIZE, hang, line.runs[0].text),), line.height)
                for line in item_lines[1:]
            )
        return lines
    if isinstance(block, Table):
        return _table_lines(block)
    lines = [
        _Line((_Run(_MONO, _CODE_SIZE, _MARGIN + 8, row),), _CODE_SIZE * 1.3)
        for row in block.text.splitlines() or [""]
    ]
    return [_Line(lines[0].runs, lines[0].height, 6), *lines[1:]]


def _wrapped(
    text: str, font: _Font, size: float, x: float, *, space_before: float = 0.0
) -> list[_Line]:
    rows: list[str] = []
    current = ""
    limit = _PAGE_WIDTH - _MARGIN - x
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.width(candidate, size) > limit:
            rows.append(current)
            current = word
        else:
            current = candidate
    rows.append(current)
    return [
        _Line((_Run(font, size, x, row),), size * 1.35, space_before if i == 0 else 0.0)
        for i, row in enumerate(rows)
    ]


def _table_lines(table: Table) -> list[_Line]:
    all_rows = [table.header, *table.rows]
    columns = max(len(row) for row in all_rows)
    widths = [
        max(_BOLD.width(row[c], _BODY_SIZE) if c < len(row) else 0.0 for row in all_rows)
        for c in range(columns)
    ]
    if sum(widths) + _COLUMN_GAP * (columns - 1) > _TEXT_WIDTH:
        # Too wide for columns: one line per row, cells separated by bars, wrapped like prose.
        lines: list[_Line] = []
        for i, row in enumerate(all_rows):
            font = _BOLD if i == 0 else _REGULAR
            lines.extend(_wrapped(" | ".join(row), font, _BODY_SIZE, _MARGIN, space_before=3))
        return lines
    starts = [sum(widths[:c]) + _COLUMN_GAP * c for c in range(columns)]
    lines = []
    for i, row in enumerate(all_rows):
        font = _BOLD if i == 0 else _REGULAR
        # One run per row, columns aligned with spaces: pdfminer reads separate runs placed
        # apart as separate text boxes, which would tear a row's cells away from each other.
        text = ""
        for c, cell in enumerate(row):
            gap = starts[c] - font.width(text, _BODY_SIZE)
            text += " " * max(1 if text else 0, round(gap / font.width(" ", _BODY_SIZE))) + cell
        lines.append(
            _Line((_Run(font, _BODY_SIZE, _MARGIN, text),), _BODY_SIZE * 1.45, 8 if i == 0 else 0.0)
        )
    return lines


def _paginate(lines: list[_Line]) -> list[bytes]:
    pages: list[bytes] = []
    ops: list[str] = []
    y = _PAGE_HEIGHT - _MARGIN
    for line in lines:
        at_top = not ops
        drop = line.height + (0.0 if at_top else line.space_before)
        if y - drop < _MARGIN and not at_top:
            pages.append("\n".join(ops).encode("latin-1"))
            ops, y, drop = [], _PAGE_HEIGHT - _MARGIN, line.height
        y -= drop
        for run in line.runs:
            ops.append(
                f"BT /{run.font.resource} {run.size:g} Tf {run.x:.2f} {y:.2f} Td "
                f"({_pdf_string(run.text)}) Tj ET"
            )
    pages.append("\n".join(ops).encode("latin-1"))
    return pages


def _pdf_string(text: str) -> str:
    encoded = text.translate(_SUBSTITUTES).encode("cp1252", errors="replace")
    out: list[str] = []
    for byte in encoded:
        char = chr(byte)
        if char in "\\()":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def _write(pages: list[bytes], title: str) -> bytes:
    # Object numbers: 1 catalog, 2 page tree, 3 info, 4.. fonts, then a page and its content each.
    first_page = 4 + len(_FONTS)
    page_ids = [first_page + 2 * i for i in range(len(pages))]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{p} 0 R".encode() for p in page_ids)
        + f"] /Count {len(pages)} >>".encode(),
        f"<< /Title ({_pdf_string(title)}) /Producer (syncrag demo) >>".encode("latin-1"),
    ]
    font_refs = " ".join(f"/{f.resource} {4 + i} 0 R" for i, f in enumerate(_FONTS))
    for font in _FONTS:
        objects.append(
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{font.base} "
            "/Encoding /WinAnsiEncoding >>".encode()
        )
    for page_id, content in zip(page_ids, pages, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
            f"/Resources << /Font << {font_refs} >> >> /Contents {page_id + 1} 0 R >>".encode()
        )
        packed = zlib.compress(content, 9)
        objects.append(
            f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
            + packed
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 3 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)
