"""Splits Markdown into sections under its level 1-3 headings, each with its heading path.

One pass over the lines, in time linear in the text. It reads headings and fenced code the way
langchain's MarkdownHeaderTextSplitter does (with `strip_headers=False`), which syncrag used
before: that splitter joins each section with `+=`, quadratic in a section's length (a 50 MB
text without headings ran for minutes). Unlike it, code lines keep their indentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Heading markers, longest first: "### x" is a level 3 heading, not a level 1 "#" one.
_MARKERS = (("###", 3), ("##", 2), ("#", 1))
_LEVELS = 3
# Tabs are expanded first; every other whitespace but the newline becomes a plain space.
_ODD_WHITESPACE = re.compile(r"[^\S\n ]")

# Headings of levels 1-3 in force, None where a level has none (a "# A" then "### C" is A, -, C).
_Headings = tuple[str | None, ...]


@dataclass
class _Section:
    """Blocks (runs of non-blank lines, code kept whole) under one heading path."""

    headings: _Headings
    blocks: list[str] = field(default_factory=list)
    # The last line of the last block: a heading ending a section merges into the next one.
    last_line: str = ""


def markdown_sections(markdown: str) -> list[tuple[str, tuple[str, ...]]]:
    """(text, heading path) for each section under a level 1-3 heading, in document order.

    A section's text holds its heading line and its paragraphs, separated by blank lines;
    lines are stripped (code lines keep their indentation) and unprintable characters dropped.
    A heading directly followed by a deeper one opens no section of its own: it joins the
    deeper one, as in "# Guide" then "## Setup", whose path is ("Guide", "Setup").
    """
    text = markdown.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    text = _ODD_WHITESPACE.sub(" ", text)
    if not text.strip():
        return []
    sections: list[_Section] = []
    headings: _Headings = (None,) * _LEVELS
    block: list[str] = []
    fence = ""

    def close_block(block_headings: _Headings) -> None:
        _add_block(sections, "\n".join(block), block[-1], block_headings)
        block.clear()

    for line in text.split("\n"):
        stripped = _printable(line.strip())
        was_code = bool(fence)
        fence = _next_fence(fence, stripped)
        if fence:
            # Inside fenced code (opening fence included) every line counts, blank or not.
            block.append(_code_line(line, stripped) if was_code else stripped)
            continue
        level = _heading_level(stripped)
        if level:
            previous = headings
            headings = _with_heading(headings, level, stripped)
            if block:
                close_block(previous)
            block.append(stripped)
        elif stripped:
            block.append(stripped)
        elif block:
            close_block(headings)
    if block:
        close_block(headings)
    return [
        ("\n\n".join(section.blocks), tuple(h for h in section.headings if h is not None))
        for section in sections
    ]


def _add_block(sections: list[_Section], block: str, last_line: str, headings: _Headings) -> None:
    current = sections[-1] if sections else None
    if current is not None and (
        current.headings == headings
        # A section that ends on a heading line takes in a deeper heading's section.
        or (_depth(current.headings) < _depth(headings) and current.last_line.startswith("#"))
    ):
        current.headings = headings
    else:
        current = _Section(headings)
        sections.append(current)
    current.blocks.append(block)
    current.last_line = last_line


def _next_fence(fence: str, stripped: str) -> str:
    """The fence in force after this line: "```", "~~~" or "" outside code."""
    if not fence:
        # An opening "```" with another "```" on its line is inline code, not a fence.
        if stripped.startswith("```") and stripped.count("```") == 1:
            return "```"
        if stripped.startswith("~~~"):
            return "~~~"
        return ""
    return "" if stripped.startswith(fence) else fence


def _code_line(line: str, stripped: str) -> str:
    """A line inside fenced code: stripped like any other, but keeping its indentation."""
    body = line.lstrip(" ")
    return " " * (len(line) - len(body)) + stripped if body else stripped


def _heading_level(stripped: str) -> int:
    """1-3 for a heading line ("# Title", "##", "### Deep"), 0 for anything else."""
    if not stripped.startswith("#"):
        return 0
    for marker, level in _MARKERS:
        if stripped.startswith(marker) and (
            len(stripped) == len(marker) or stripped[len(marker)] == " "
        ):
            return level
    return 0


def _with_heading(headings: _Headings, level: int, stripped: str) -> _Headings:
    """The headings in force after a level-`level` heading: deeper ones end with it."""
    title = _without_closing_hashes(stripped.lstrip("#").strip())
    return (*headings[: level - 1], title, *(None,) * (_LEVELS - level))


def _without_closing_hashes(title: str) -> str:
    """ "Setup ##" -> "Setup": the optional closing sequence of an ATX heading."""
    bare = title.rstrip("#")
    if bare != title and bare and bare[-1].isspace():
        return bare.strip()
    return title


def _depth(headings: _Headings) -> int:
    return sum(heading is not None for heading in headings)


def _printable(stripped: str) -> str:
    # Invisible characters (zero-width spaces, bidi marks, ...) go; the check runs in C.
    if stripped.isprintable():
        return stripped
    return "".join(filter(str.isprintable, stripped)).strip()
