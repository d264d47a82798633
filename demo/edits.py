"""Scenario edits of rendered corpus files, in place: change one paragraph, or add one at the top.

Only the text formats (md, txt, html) can be edited: a binary document would have to be rendered
again from its source, so scenarios that need an edit pick one of these formats.
"""

from __future__ import annotations

import random
import re
import textwrap
from html import escape
from pathlib import Path
from typing import TypeVar

from markdown_it import MarkdownIt

from demo.errors import UnsupportedEditError

__all__ = ["EDITABLE_FORMATS", "edit_one_paragraph", "insert_paragraph_at_top"]

EDITABLE_FORMATS = ("md", "txt", "html")
_WIDTH = 78  # the width the txt renderer wraps at
_PARSER = MarkdownIt("commonmark").enable("table")
_HTML_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TXT_RULE = re.compile(r"^[=\-\s]+$")
_TXT_LIST_OR_CODE = re.compile(r"^(\s|[-*]\s|\d+\.\s)")
_T = TypeVar("_T")
_REVISIONS = (
    "Revised after review {n}: the figure above was checked again and corrected.",
    "Update {n}: the owner confirmed this point by email and the date still stands.",
    "Note added in revision {n}: a second reviewer agreed with this paragraph.",
    "Correction {n}: one of the numbers in this paragraph was transposed in the draft.",
)


def _format(path: Path) -> str:
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in EDITABLE_FORMATS:
        raise UnsupportedEditError(
            f"cannot edit {path.name} in place: only {', '.join(EDITABLE_FORMATS)} files can be "
            "edited; choose a document rendered to one of those formats"
        )
    return fmt


def edit_one_paragraph(path: Path, seed: int) -> None:
    """Append a sentence to one body paragraph of an md, txt or html file, chosen by `seed`.

    Headings, lists, tables and code are never touched, so exactly one paragraph changes.
    """
    fmt = _format(path)
    text = path.read_text(encoding="utf-8")
    rng = random.Random(seed)
    addition = rng.choice(_REVISIONS).format(n=seed)
    if fmt == "html":
        matches = [m for m in _HTML_PARAGRAPH.finditer(text) if _outside_lists(text, m.start())]
        match = _choose(matches, rng, path)
        edited = text[: match.end(1)] + " " + escape(addition) + text[match.end(1) :]
    else:
        lines = text.split("\n")
        spans = _md_paragraphs(text) if fmt == "md" else _txt_paragraphs(lines)
        start, end = _choose(spans, rng, path)
        if fmt == "md":
            lines[end - 1] = lines[end - 1].rstrip() + " " + addition
        else:
            paragraph = " ".join(line.strip() for line in lines[start:end]) + " " + addition
            lines[start:end] = textwrap.wrap(paragraph, _WIDTH)
        edited = "\n".join(lines)
    path.write_text(edited, encoding="utf-8")


def insert_paragraph_at_top(path: Path, text: str) -> None:
    """Insert `text` as the first paragraph of an md, txt or html file: right after the title
    heading when the document opens with one, else at the very start."""
    fmt = _format(path)
    content = path.read_text(encoding="utf-8")
    if fmt == "html":
        close = content.find("</h1>")
        at = close + len("</h1>") if close >= 0 else _after_body(content)
        edited = f"{content[:at]}\n<p>{escape(text)}</p>{content[at:]}"
    else:
        lines = content.split("\n")
        block = [text] if fmt == "md" else textwrap.wrap(text, _WIDTH)
        at = _title_end(lines, fmt)
        edited_lines = [*lines[:at], "", *block, *lines[at:]] if at else [*block, "", *lines]
        edited = "\n".join(edited_lines)
    path.write_text(edited, encoding="utf-8")


def _choose(candidates: list[_T], rng: random.Random, path: Path) -> _T:
    if not candidates:
        raise UnsupportedEditError(f"{path.name} has no body paragraph to edit")
    return rng.choice(candidates)


def _outside_lists(html: str, position: int) -> bool:
    before = html[:position]
    return before.count("<li") == before.count("</li>")


def _md_paragraphs(markdown: str) -> list[tuple[int, int]]:
    """Line ranges [start, end) of the top-level paragraphs (not list items or quotes)."""
    return [
        (token.map[0], token.map[1])
        for token in _PARSER.parse(markdown)
        if token.type == "paragraph_open" and token.level == 0 and token.map
    ]


def _txt_paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """Line ranges of prose blocks in the txt layout: not headings, lists, tables or code."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in range(len(lines) + 1):
        if end < len(lines) and lines[end].strip():
            continue
        block = lines[start:end]
        prose = (
            block
            and not any(_TXT_RULE.match(line) for line in block)
            and not any(_TXT_LIST_OR_CODE.match(line) for line in block)
            and not any("  " in line.strip() for line in block)  # aligned table columns
            and len(" ".join(block).split()) >= 6
        )
        if prose:
            spans.append((start, end))
        start = end + 1
    return spans


def _title_end(lines: list[str], fmt: str) -> int:
    """The line after a leading title heading, or 0 when the document has none."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return 0
    if fmt == "md" and lines[first].startswith("# "):
        return first + 1
    if fmt == "txt" and first + 1 < len(lines) and re.fullmatch(r"=+", lines[first + 1].strip()):
        return first + 2
    return 0


def _after_body(html: str) -> int:
    match = re.search(r"<(?:article|body)[^>]*>", html)
    return match.end() if match else 0
