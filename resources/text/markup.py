r"""Plain text and reStructuredText written as the Markdown that resources/text/sections.py reads.

Plain text keeps every character: a line that Markdown would read as a heading or a code fence
gets a backslash escape (`\# not a title`), which the section splitter reads back as the plain
character. reStructuredText's titles (a line underlined, or over- and underlined, with a
punctuation character) become Markdown headings, their levels in the order the styles first
appear, the adornment rows dropped; its literal blocks (after a paragraph ending in `::`, and
`.. code-block::` directives) become fenced code that keeps its indentation. One pass each,
linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator

__all__ = ["plain_text_markdown", "rst_markdown"]

# A line start that Markdown reads as a heading or a fence, after blanks and invisible marks.
_MARKDOWN_START = re.compile(
    r"^([^\S\n]*)(?=[\u200b-\u200f\u2060-\u2064\ufeff]*(?:#|```|~~~))", re.MULTILINE
)
# reStructuredText's adornment characters: any printable 7-bit non-alphanumeric one.
_ADORNMENT_CHARS = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_MIN_ADORNMENT = 3
_TAB_SIZE = 8  # reStructuredText's tab stops
_CODE_DIRECTIVE = re.compile(
    r"( *)\.\.\s+(?:code-block|code|sourcecode|testcode|doctest|testsetup|testoutput)::\s*(\S*)"
)
_EXPLICIT_MARKUP = re.compile(r" *\.\.(?:\s|$)")
_OPTION = re.compile(r" *:[\w-]+:")
# :role:`text` (with `~`, `!` or "title <target>" inside), ``literal``, `text`_ in titles.
_ROLE = re.compile(
    r"(?::[\w.+-]+)+:`[~!]?([^`<]*?)\s*(?:<[^`]*>)?`"
    r"|``([^`]+)``"
    r"|`([^`<]+?)\s*(?:<[^`]*>)?`_{0,2}"
)


def plain_text_markdown(text: str) -> str:
    """Plain text as Markdown that reads as the same text: no headings, no code fences."""
    if "#" not in text and "```" not in text and "~~~" not in text:
        return text  # the common case, found in C without the line-by-line search
    return _MARKDOWN_START.sub(r"\1\\", text)


def rst_markdown(text: str) -> str:
    """reStructuredText as Markdown: titles as headings, literal blocks as fenced code."""
    lines = [line.expandtabs(_TAB_SIZE).rstrip() for line in text.split("\n")]
    return "\n".join(_RstReader(lines).markdown())


class _RstReader:
    """One pass over the lines; `styles` holds the title adornments in order of appearance."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._styles: list[tuple[str, bool]] = []

    def markdown(self) -> Iterator[str]:
        lines = self._lines
        position = 0
        after_blank = True
        paragraph_indent = 0
        while position < len(lines):
            line = lines[position]
            if not line:
                yield line
                after_blank = True
                position += 1
                continue
            if after_blank:
                paragraph_indent = _indent(line)
                title = self._title(position)
                if title is not None:
                    heading, position = title
                    yield heading
                    continue
                if _adornment(line) and self._blank(position + 1):
                    position += 1  # a transition: a rule between paragraphs, only tokens
                    continue
            directive = _CODE_DIRECTIVE.fullmatch(line)
            if directive is not None:
                position = yield from self._code_directive(position, directive)
                after_blank = True
                continue
            after_blank = False
            position += 1
            if line.endswith("::") and self._blank(position) and not _EXPLICIT_MARKUP.match(line):
                shown = _without_literal_marker(line)
                if shown:
                    yield plain_text_markdown(shown)
                position = yield from self._literal_block(position, paragraph_indent)
                after_blank = not lines[position - 1]
                continue
            yield plain_text_markdown(line)

    def _title(self, position: int) -> tuple[str, int] | None:
        """The Markdown heading for a title at `position` and the line after it, if one is there."""
        lines = self._lines
        line = lines[position]
        following = lines[position + 1] if position + 1 < len(lines) else ""
        if (
            _adornment(line)
            and following.strip()
            and not _adornment(following.strip())
            and position + 2 < len(lines)
            and lines[position + 2] == line
        ):
            return self._heading(following.strip(), line[0], True), position + 3
        if not line[0].isspace() and _adornment(following) and not _adornment(line):
            return self._heading(line, following[0], False), position + 2
        return None

    def _heading(self, title: str, character: str, overlined: bool) -> str:
        style = (character, overlined)
        if style not in self._styles:
            self._styles.append(style)
        level = self._styles.index(style) + 1
        return f"{'#' * level} {_plain_title(title)}"

    def _code_directive(self, position: int, directive: re.Match[str]) -> Generator[str, None, int]:
        """Yields a `.. code-block::` directive's body as fenced code; returns the next line."""
        indent = len(directive.group(1))
        start = position + 1
        while (
            start < len(self._lines)
            and _indent(self._lines[start]) > indent
            and _OPTION.match(self._lines[start])
        ):
            start += 1
        end = self._block_end(start, indent)
        yield from _fenced(self._lines[start:end], directive.group(2))
        return end

    def _literal_block(self, position: int, indent: int) -> Generator[str, None, int]:
        """Yields the literal block after a `::` paragraph as fenced code; returns the next line."""
        start = position
        while start < len(self._lines) and not self._lines[start]:
            start += 1
        if start == position or start == len(self._lines) or _indent(self._lines[start]) <= indent:
            return position  # no blank line or no indented block: not a literal block
        end = self._block_end(start, indent)
        yield ""
        yield from _fenced(self._lines[start:end], "")
        return end

    def _block_end(self, start: int, indent: int) -> int:
        """The first line from `start` on that is not blank and not indented past `indent`,
        less the blank lines before it."""
        end = start
        last_text = start
        while end < len(self._lines) and (
            not self._lines[end] or _indent(self._lines[end]) > indent
        ):
            if self._lines[end]:
                last_text = end + 1
            end += 1
        return last_text

    def _blank(self, position: int) -> bool:
        return position >= len(self._lines) or not self._lines[position]


def _fenced(body: list[str], language: str) -> Iterator[str]:
    """The lines as fenced code, less their common indentation and the blank lines around."""
    text = [line for line in body if line]
    if not text:
        return
    first = body.index(text[0])
    margin = min(_indent(line) for line in text)
    fence = "~~~" if any(line.lstrip().startswith("```") for line in text) else "```"
    yield fence + language
    yield from (line[margin:] for line in body[first:])
    yield fence


def _adornment(line: str) -> bool:
    """A title's under- or overline: one punctuation character repeated, not indented."""
    return (
        len(line) >= _MIN_ADORNMENT
        and line[0] in _ADORNMENT_CHARS
        and line.count(line[0]) == len(line)
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _without_literal_marker(line: str) -> str:
    """ "Example::" -> "Example:", "Example ::" -> "Example", "::" -> "", as reST renders them."""
    body = line[:-2]
    if not body.strip():
        return ""
    return body.rstrip() if body[-1].isspace() else body + ":"


def _plain_title(title: str) -> str:
    """A title without its inline markup: ":mod:`logging` --- Logging" -> "logging --- Logging"."""
    return _ROLE.sub(
        lambda match: next(group for group in match.groups() if group is not None), title
    )
