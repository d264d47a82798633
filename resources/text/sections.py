r"""Splits Markdown into sections under its level 1-3 headings, each with its heading path.

One pass over the lines, in time linear in the text. It reads headings and fenced code the way
langchain's MarkdownHeaderTextSplitter does (with `strip_headers=False`), which syncrag used
before: that splitter joins each section with `+=`, quadratic in a section's length (a 50 MB
text without headings ran for minutes). Unlike it, code lines keep their indentation, indented
code (CommonMark's, four spaces in) holds no headings, and the escapes `\#`, `\```` and `\~~~`
at a line's start read as the plain characters they stand for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Heading markers, longest first: "### x" is a level 3 heading, not a level 1 "#" one.
_MARKERS = (("###", 3), ("##", 2), ("#", 1))
_LEVELS = 3
# Indented code starts four spaces in; so deep, a "#" line is not a heading either.
_CODE_INDENT = 4
_LIST_STARTS = frozenset("-*+0123456789")
_LIST_ITEM = re.compile(r"(?:[-*+]|[0-9]{1,9}[.)])(?:\s|$)")
# Backslash escapes of the line starts that would open a heading or a fence ("\# not a title"):
# what plain text and reStructuredText are written with (see resources/text/markup.py).
_ESCAPED_STARTS = ("\\#", "\\```", "\\~~~")
# Tabs are expanded first; every other whitespace but the newline becomes a plain space.
_ODD_WHITESPACE = re.compile(r"[^\S\n ]")

# Headings of levels 1-3 in force, None where a level has none (a "# A" then "### C" is A, -, C).
_Headings = tuple[str | None, ...]


@dataclass
class _Section:
    """Blocks (runs of non-blank lines, code kept whole) under one heading path."""

    headings: _Headings
    blocks: list[str] = field(default_factory=list)
    # Whether the last block ends on a heading line: then it merges into a deeper section.
    ends_on_heading: bool = False


@dataclass
class _BlockScan:
    """What the lines read so far say of the next one: whether, indented, it is code (as in
    CommonMark: four spaces, not continuing a paragraph or a list item), and whether the last
    line kept was a heading."""

    after_text: bool = False
    in_list: bool = False
    in_code: bool = False
    on_heading: bool = False

    def indented_code(self) -> bool:
        """Whether a non-blank line indented four spaces or more is code."""
        if self.in_code or not (self.after_text or self.in_list):
            self.in_code = True
            self.after_text = self.on_heading = False
            return True
        return False

    def read(self, stripped: str, indent: int, *, is_heading: bool, closes_fence: bool) -> None:
        """Takes in a line that is not code."""
        if not stripped:
            self.after_text = False
            return
        self.in_code = False
        # As langchain's splitter did: any "#" line ("#### Deep", "#tag") merges like a heading.
        self.on_heading = stripped.startswith("#")
        self.after_text = not (is_heading or closes_fence)
        if stripped[0] in _LIST_STARTS and _LIST_ITEM.match(stripped):
            self.in_list = True
        elif indent == 0:
            self.in_list = False


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
    scan = _BlockScan()

    def close_block(block_headings: _Headings) -> None:
        _add_block(sections, "\n".join(block), block_headings, ends_on_heading=scan.on_heading)
        block.clear()

    for line in text.split("\n"):
        stripped = _printable(line.strip())
        indent = len(line) - len(line.lstrip(" ")) if line.startswith(" ") else 0
        if indent >= _CODE_INDENT and stripped and not fence and scan.indented_code():
            # Indented code: a "# comment" in it is no heading, "```" no fence.
            block.append(_code_line(line[_CODE_INDENT:], _unescaped(stripped)))
            continue
        was_code = bool(fence)
        fence = _next_fence(fence, stripped)
        if fence:
            # Inside fenced code (opening fence included) every line counts, blank or not.
            block.append(_code_line(line, stripped) if was_code else stripped)
            scan.after_text = scan.on_heading = scan.in_code = False
            continue
        level = _heading_level(stripped) if indent < _CODE_INDENT else 0
        if level:
            previous = headings
            headings = _with_heading(headings, level, stripped)
            if block:
                close_block(previous)
            block.append(stripped)
        elif stripped:
            block.append(_unescaped(stripped))
        elif block:
            close_block(headings)
        scan.read(stripped, indent, is_heading=bool(level), closes_fence=was_code)
    if block:
        close_block(headings)
    return [
        ("\n\n".join(section.blocks), tuple(h for h in section.headings if h is not None))
        for section in sections
    ]


def _add_block(
    sections: list[_Section], block: str, headings: _Headings, *, ends_on_heading: bool
) -> None:
    current = sections[-1] if sections else None
    if current is not None and (
        current.headings == headings
        # A section that ends on a heading line takes in a deeper heading's section.
        or (_depth(current.headings) < _depth(headings) and current.ends_on_heading)
    ):
        current.headings = headings
    else:
        current = _Section(headings)
        sections.append(current)
    current.blocks.append(block)
    current.ends_on_heading = ends_on_heading


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


def _unescaped(stripped: str) -> str:
    """The line as Markdown renders it where it starts with an escaped heading or fence mark."""
    return stripped[1:] if stripped.startswith(_ESCAPED_STARTS) else stripped


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
