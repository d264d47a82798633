"""Splits Markdown into sections under its level 1-3 headings, each with its heading path."""

from __future__ import annotations

import re

from langchain_text_splitters import MarkdownHeaderTextSplitter

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
_HEADER_KEYS = ("h1", "h2", "h3")
# The header splitter joins paragraphs with a Markdown hard break and drops characters it
# deems unprintable (tabs, no-break spaces), which would glue words together.
_PARAGRAPH_JOIN = "  \n"
_ODD_WHITESPACE = re.compile(r"[^\S\n]")
_TRAILING_HASHES = re.compile(r"\s+#+$")
# The header splitter also strips every line; code keeps its indentation under this mark
# (printable, not whitespace) and gets it back afterwards.
_INDENT_MARK = "\u2800"
_MARKED_INDENT = re.compile(f"^{_INDENT_MARK}+", re.MULTILINE)


def markdown_sections(markdown: str) -> list[tuple[str, tuple[str, ...]]]:
    """(text, heading path) for each section under a level 1-3 heading, in document order."""
    text = markdown.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    text = _ODD_WHITESPACE.sub(" ", text)
    if not text.strip():
        return []
    text = _mark_code_indentation(text)
    splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=False)
    try:
        documents = splitter.split_text(text)
    except (IndexError, ValueError):
        # Defensive (never seen in fuzzing): the splitter indexes into lines as it merges
        # them; should some input trip it, the text is still chunked, without headings.
        return [(_unmark_indentation(text), ())]
    sections = []
    for document in documents:
        headings = tuple(
            _TRAILING_HASHES.sub("", str(document.metadata[key])).strip()
            for key in _HEADER_KEYS
            if key in document.metadata
        )
        content = document.page_content.replace(_PARAGRAPH_JOIN, "\n\n")
        sections.append((_unmark_indentation(content), headings))
    return sections


def _mark_code_indentation(text: str) -> str:
    """Leading spaces of lines inside fenced code, turned into marks the splitter keeps."""
    lines = text.split("\n")
    fence = ""
    for number, line in enumerate(lines):
        stripped = line.strip()
        # The same fence rules as MarkdownHeaderTextSplitter, so both agree on what is code.
        if not fence:
            if stripped.startswith("```") and stripped.count("```") == 1:
                fence = "```"
            elif stripped.startswith("~~~"):
                fence = "~~~"
            continue
        if stripped.startswith(fence):
            fence = ""
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if indent and body:
            lines[number] = _INDENT_MARK * indent + body
    return "\n".join(lines)


def _unmark_indentation(text: str) -> str:
    return _MARKED_INDENT.sub(lambda match: " " * len(match.group()), text)
