"""Structure for every text format: plain text has no headings, reST titles and literal blocks
become heading paths and code, Markdown reads as before. Through extraction and the chunker."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources.embedding import TokenCounter
from resources.text import MarkdownChunker, extract_markdown
from resources.text.sections import markdown_sections

COUNT = TokenCounter.packaged()
MAX_TOKENS = 256

_PYTHON_EXAMPLE = (
    "import logging\n"
    "# create logger with 'spam_application'\n"
    "logger = logging.getLogger('spam_application')\n"
    "\n"
    "def handler():\n"
    "    # a nested comment\n"
    "    return logging.StreamHandler()\n"
)


def _indented(code: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in code.split("\n"))


def _rst_page() -> str:
    return (
        "=================\n"
        " Logging HOWTO\n"
        "=================\n"
        "\n"
        "An introduction.\n"
        "\n"
        "Basic tutorial\n"
        "==============\n"
        "\n"
        "Configure a logger in code::\n"
        "\n"
        f"{_indented(_PYTHON_EXAMPLE, 3)}\n"
        "Then run it.\n"
        "\n"
        "Handlers\n"
        "--------\n"
        "\n"
        ".. code-block:: python\n"
        "   :linenos:\n"
        "\n"
        "   # pick a handler\n"
        "   if verbose:\n"
        "       level = 10\n"
        "\n"
        "Advanced :mod:`logging` tutorial\n"
        "================================\n"
        "\n"
        "More text.\n"
    )


def _sections(content: str, name: str, mime_type: str | None = None) -> list[tuple[str, ...]]:
    markdown = extract_markdown(content.encode(), mime_type=mime_type, name=name)
    return [headings for _, headings in markdown_sections(markdown)]


def test_hash_lines_in_plain_text_are_not_headings_and_keep_their_text() -> None:
    text = "Notes on setup\n\n# not a title\n### nor this\n\n```\nnot a fence\n\nThe end."

    markdown = extract_markdown(text.encode(), mime_type="text/plain", name="notes.txt")
    sections = markdown_sections(markdown)

    assert [headings for _, headings in sections] == [()]
    assert sections[0][0] == (
        "Notes on setup\n\n# not a title\n### nor this\n\n```\nnot a fence\n\nThe end."
    )


def test_indented_code_in_plain_text_keeps_its_indentation() -> None:
    text = f"Example:\n\n{_indented(_PYTHON_EXAMPLE, 4)}\nAfter."

    [(section, headings)] = markdown_sections(
        extract_markdown(text.encode(), mime_type=None, name="howto.txt")
    )

    assert headings == ()
    assert "def handler():\n    # a nested comment\n    return logging.StreamHandler()" in section


@given(st.lists(st.sampled_from(["# a", "## b #", "```", "~~~x", " #c", "\u200b# d", "w", ""])))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_plain_text_has_a_heading_or_loses_a_word(lines: list[str]) -> None:
    text = "\n".join(["start", *lines])

    markdown = extract_markdown(text.encode(), mime_type="text/plain", name="any.txt")
    sections = markdown_sections(markdown)

    assert all(headings == () for _, headings in sections)
    assert " ".join(" ".join(text for text, _ in sections).split()) == " ".join(
        "".join(c for c in text if c.isprintable() or c.isspace()).split()
    )


def test_rst_titles_become_heading_paths_in_order_of_first_appearance() -> None:
    paths = _sections(_rst_page(), "logging-howto.rst")

    assert paths == [
        ("Logging HOWTO",),
        ("Logging HOWTO", "Basic tutorial"),
        ("Logging HOWTO", "Basic tutorial", "Handlers"),
        ("Logging HOWTO", "Advanced logging tutorial"),
    ]


def test_rst_adornment_rows_are_dropped() -> None:
    markdown = extract_markdown(_rst_page().encode(), mime_type="text/x-rst", name="page")

    assert "===" not in markdown
    assert "---" not in markdown
    assert "# Basic tutorial" in markdown


def test_rst_literal_blocks_are_code_with_their_indentation() -> None:
    sections = markdown_sections(
        extract_markdown(_rst_page().encode(), mime_type=None, name="howto.rest")
    )
    tutorial = dict((headings[-1], text) for text, headings in sections)["Basic tutorial"]
    handlers = dict((headings[-1], text) for text, headings in sections)["Handlers"]

    assert "Configure a logger in code:\n\n```\nimport logging\n# create logger" in tutorial
    assert "def handler():\n    # a nested comment\n    return" in tutorial
    assert "```python\n# pick a handler\nif verbose:\n    level = 10\n```" in handlers
    assert ":linenos:" not in handlers


_RST_LINES = [
    *("Title", "Other title", "=====", "-----", "~~~~~~~~", "text here", "Example::", "::"),
    *("    code # x", "   indented more", "      deeper", ".. note::", "#. item", "# hash", ""),
]


@given(st.lists(st.sampled_from(_RST_LINES), max_size=30))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rst_loses_no_word_of_any_text(lines: list[str]) -> None:
    text = "\n".join(["start", *lines])

    markdown = extract_markdown(text.encode(), mime_type="text/x-rst", name="any")
    kept = " ".join(section for section, _ in markdown_sections(markdown))

    assert Counter(re.findall(r"[a-z]+", kept)) == Counter(re.findall(r"[a-z]+", text))


@pytest.mark.parametrize(
    ("mime_type", "name"),
    [
        ("text/x-rst", "page"),
        ("text/prs.fallenstein.rst", "page"),
        (None, "page.rst"),
        ("application/octet-stream", "page.REST"),
        ("text/plain", "page.rst"),
        # Sphinx publishes its sources so: the Python documentation's "library/os.rst.txt".
        ("text/plain", "library/page.rst.txt"),
    ],
)
def test_rst_is_recognised_by_type_or_name(mime_type: str | None, name: str) -> None:
    assert _sections("Title\n=====\n\nText.\n", name, mime_type) == [("Title",)]


def test_markdown_served_as_text_plain_keeps_its_headings() -> None:
    assert _sections("# Guide\n\nText.\n", "guide.md", "text/plain") == [("Guide",)]


def test_hash_lines_in_markdown_indented_code_are_not_headings() -> None:
    markdown = f"# Guide\n\nRun this:\n\n{_indented(_PYTHON_EXAMPLE, 4)}\n## Next\n\nText."

    sections = markdown_sections(markdown)

    assert [headings for _, headings in sections] == [("Guide",), ("Guide", "Next")]
    assert "def handler():\n    # a nested comment\n    return" in sections[0][0]


def test_hash_lines_in_fenced_code_are_still_not_headings() -> None:
    markdown = f"# Guide\n\n```\n{_indented(_PYTHON_EXAMPLE, 4)}```\n\nText."

    [(text, headings)] = markdown_sections(markdown)

    assert headings == ("Guide",)
    assert "    # create logger with 'spam_application'" in text


def test_indented_lines_in_markdown_lists_are_not_code() -> None:
    markdown = "# Steps\n\n- first\n\n    # still the first item\n\n- second"

    [(text, headings)] = markdown_sections(markdown)

    assert headings == ("Steps",)
    assert text == "# Steps\n\n- first\n\n# still the first item\n\n- second"


def _rst_document(rng: random.Random, sections: int) -> list[str]:
    words = ["logger", "handler", "level", "format", "record", "filter", "stream", "file"]
    blocks: list[str] = []
    for number in range(sections):
        title = f"Section {number}"
        blocks.append(f"{title}\n{'=-~'[number % 3] * len(title)}")
        for _ in range(rng.randint(2, 6)):
            sentence = " ".join(rng.choice(words) for _ in range(rng.randint(20, 70)))
            blocks.append(sentence.capitalize() + ".")
        blocks.append("For example::\n\n" + _indented(_PYTHON_EXAMPLE, 4))
    return blocks


def test_rst_chunks_fit_the_model_and_are_token_exact() -> None:
    chunker = MarkdownChunker(COUNT, MAX_TOKENS)
    content = "\n\n".join(_rst_document(random.Random(3), 12)).encode()

    chunks = chunker.split(extract_markdown(content, mime_type=None, name="guide.rst"))

    assert chunks
    for chunk in chunks:
        assert chunk.token_count == COUNT(chunk.text) <= MAX_TOKENS
        assert chunk.heading_path and chunk.heading_path[0].startswith("Section ")


def test_inserting_a_paragraph_into_rst_changes_at_most_three_chunks() -> None:
    chunker = MarkdownChunker(COUNT, MAX_TOKENS)
    blocks = _rst_document(random.Random(5), 12)
    edited = [*blocks[:20], "An inserted paragraph about handlers and levels.", *blocks[20:]]

    def chunk_texts(document: list[str]) -> set[tuple[str, tuple[str, ...]]]:
        markdown = extract_markdown("\n\n".join(document).encode(), mime_type=None, name="a.rst")
        return {(c.text, c.heading_path) for c in chunker.split(markdown)}

    before, after = chunk_texts(blocks), chunk_texts(edited)

    assert len(before) > 10
    assert len(after - before) <= 3
