"""markdown_sections: the heading paths langchain's header splitter gave, in linear time."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_text_splitters import MarkdownHeaderTextSplitter

from resources.text.sections import markdown_sections

_LINES = [
    *("# Guide", "## Setup ##", "### Linux", "#### Deep", "#hashtag", "#", "## ", "# A #"),
    *("```", "```python", "~~~", "``` inline ``` code", "text", "more text", "- item"),
    *("a # b ##", "\u4e2d\u6587", "caf\u00e9\u00a0au lait", "tab\there", "", "", "  "),
]


def _langchain_sections(markdown: str) -> list[tuple[str, tuple[str, ...]]]:
    """What syncrag built on MarkdownHeaderTextSplitter, for text without code indentation."""
    text = re.sub(r"[^\S\n]", " ", markdown.expandtabs(4))
    if not text.strip():
        return []
    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=False
    )
    return [
        (
            document.page_content.replace("  \n", "\n\n"),
            tuple(
                re.sub(r"\s+#+$", "", document.metadata[key]).strip()
                for key in ("h1", "h2", "h3")
                if key in document.metadata
            ),
        )
        for document in splitter.split_text(text)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_LINES), max_size=40))
def test_sections_match_langchains_header_splitter(lines: list[str]) -> None:
    markdown = "\n".join(lines)

    assert markdown_sections(markdown) == _langchain_sections(markdown)


def test_a_heading_followed_by_a_deeper_one_joins_its_section() -> None:
    sections = markdown_sections("# Guide\n\n## Setup\n\nInstall it.\n\n# Next\n\nText.")

    assert sections == [
        ("# Guide\n\n## Setup\n\nInstall it.", ("Guide", "Setup")),
        ("# Next\n\nText.", ("Next",)),
    ]


def test_code_keeps_its_indentation_and_its_hash_lines() -> None:
    markdown = "# Code\n\n~~~\ndef f():\n    # comment\n\n    return 1\n~~~\n\nAfter."

    [(text, headings)] = markdown_sections(markdown)

    assert headings == ("Code",)
    assert text == "# Code\n\n~~~\ndef f():\n    # comment\n\n    return 1\n~~~\n\nAfter."


def test_invisible_characters_go_and_leave_no_stray_spaces() -> None:
    [(text, _)] = markdown_sections("alpha \u200b\nbeta\u2060")

    assert text == "alpha\nbeta"


def test_a_long_heading_line_with_inner_spaces_is_read_at_once() -> None:
    # The closing-hash regex backtracked over each run of spaces: quadratic in a heading.
    heading = "# a" + " " * 200_000 + "b ##"

    assert markdown_sections(heading)[0][1] == ("a" + " " * 200_000 + "b",)


def test_escaped_heading_and_fence_marks_read_as_plain_text() -> None:
    # How plain text reaches the splitter: "\#" is a "#" that opens no heading.
    sections = markdown_sections("Intro\n\n\\# not a title\n\\```\n\n## Real\n\nText.")

    assert sections == [
        ("Intro\n\n# not a title\n```", ()),
        ("## Real\n\nText.", ("Real",)),
    ]


def test_a_heading_indented_four_spaces_is_code_not_a_heading() -> None:
    [(text, headings)] = markdown_sections("# Top\n\n    # comment\n        nested\n\nAfter.")

    assert headings == ("Top",)
    assert text == "# Top\n\n# comment\n    nested\n\nAfter."
