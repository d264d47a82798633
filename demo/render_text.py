"""Write the text formats: Markdown as authored, plain text laid out for reading, HTML, and CSV."""

from __future__ import annotations

import csv
import io
import textwrap
from html import escape

from markdown_it import MarkdownIt

from demo.blocks import Block, CodeBlock, Heading, ListBlock, Paragraph, Table, plain_text
from demo.errors import RenderError

__all__ = ["render_csv", "render_html", "render_markdown", "render_txt"]

_WIDTH = 78
_HTML = MarkdownIt("commonmark").enable("table")


def _opens_with_h1(blocks: list[Block]) -> bool:
    return bool(blocks) and isinstance(blocks[0], Heading) and blocks[0].level == 1


def render_markdown(markdown: str, blocks: list[Block], *, title: str) -> bytes:
    """The Markdown as authored, under an `# title` heading unless it has its own."""
    body = markdown.strip()
    text = body if _opens_with_h1(blocks) else f"# {title}\n\n{body}"
    return (text + "\n").encode()


def render_html(markdown: str, blocks: list[Block], *, title: str) -> bytes:
    """A standalone HTML5 page of the Markdown, under an `<h1>` title unless it has its own."""
    body = _HTML.render(markdown)
    if not _opens_with_h1(blocks):
        body = f"<h1>{escape(title)}</h1>\n{body}"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n<article>\n{body}</article>\n"
        "</body>\n</html>\n"
    )
    return page.encode()


def render_txt(blocks: list[Block]) -> bytes:
    """Plain text: underlined headings, paragraphs wrapped at 78 columns, aligned tables."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            text = plain_text(block.spans)
            rule = {1: "=", 2: "-"}.get(block.level)
            parts.append(f"{text}\n{rule * len(text)}" if rule else text)
        elif isinstance(block, Paragraph):
            parts.append(textwrap.fill(plain_text(block.spans), _WIDTH))
        elif isinstance(block, ListBlock):
            lines = []
            for item in block.items:
                indent = "  " * item.level
                marker = f"{item.number}. " if item.ordered else "- "
                lines.append(
                    textwrap.fill(
                        plain_text(item.spans),
                        _WIDTH,
                        initial_indent=indent + marker,
                        subsequent_indent=indent + " " * len(marker),
                    )
                )
            parts.append("\n".join(lines))
        elif isinstance(block, Table):
            parts.append(_text_table(block))
        elif isinstance(block, CodeBlock):
            parts.append(textwrap.indent(block.text, "    "))
    return ("\n\n".join(parts) + "\n").encode()


def _text_table(table: Table) -> str:
    rows = [table.header, *table.rows]
    columns = max(len(row) for row in rows)
    padded = [(*row, *[""] * (columns - len(row))) for row in rows]
    widths = [max(len(row[c]) for row in padded) for c in range(columns)]
    if sum(widths) + 2 * (columns - 1) > 2 * _WIDTH:
        return "\n".join(" | ".join(row) for row in padded)
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in padded
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_csv(blocks: list[Block], *, title: str) -> bytes:
    """The document's tables as CSV (RFC 4180), one after another, a blank row between; prose
    is not carried, so a CSV source keeps its facts in its tables."""
    tables = [block for block in blocks if isinstance(block, Table)]
    if not tables:
        raise RenderError(f"'{title}' has no Markdown table to write as CSV; add one")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return buffer.getvalue().encode()
