"""MarkdownChunker: token limits with the real tokenizer, heading paths, determinism, locality."""

from __future__ import annotations

import itertools
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resources.text
from resources.embedding import TokenCounter
from resources.text import Chunk, MarkdownChunker

COUNT = TokenCounter.packaged()
MAX_TOKENS = 256
_VOCABULARY = [
    *("index", "vector", "chunk", "token", "model", "search", "query", "payload", "tenant"),
    *("cursor", "ledger", "webhook", "record", "sync", "embedding", "schedule", "sensor"),
    *("partition", "asset", "qdrant", "paragon", "markdown", "heading", "section"),
    *("paragraph", "boundary", "limit", "budget", "overlap", "hash", "content"),
]


@pytest.fixture(scope="module")
def chunker() -> MarkdownChunker:
    return MarkdownChunker(COUNT, MAX_TOKENS)


def paragraph(rng: random.Random, low: int = 15, high: int = 90) -> str:
    words = [rng.choice(_VOCABULARY) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def assert_within_limit(chunks: list[Chunk], limit: int = MAX_TOKENS) -> None:
    assert chunks, "expected at least one chunk"
    for chunk in chunks:
        assert chunk.text.strip() == chunk.text and chunk.text
        assert chunk.token_count == COUNT(chunk.text)
        assert chunk.token_count <= limit
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_public_names_are_exported() -> None:
    for name in resources.text.__all__:
        assert hasattr(resources.text, name)


def test_short_document_is_one_chunk_with_its_heading_path(chunker: MarkdownChunker) -> None:
    chunks = chunker.split("# Guide\n\nInstall with pip.", title="guide.md")

    assert chunks == [
        Chunk(
            index=0,
            text="# Guide\n\nInstall with pip.",
            heading_path=("guide.md", "Guide"),
            token_count=COUNT("# Guide\n\nInstall with pip."),
        )
    ]


def test_sections_get_nested_heading_paths_and_keep_their_headings(
    chunker: MarkdownChunker,
) -> None:
    markdown = (
        "Preamble text.\n\n# Guide\n\nIntro.\n\n## Setup ##\n\nInstall it.\n\n"
        "### Linux\n\nUse apt.\n\n## Usage\n\nRun it.\n\n# Reference\n\nAll flags."
    )

    chunks = chunker.split(markdown)

    assert [(chunk.heading_path, chunk.text) for chunk in chunks] == [
        ((), "Preamble text."),
        (("Guide",), "# Guide\n\nIntro."),
        (("Guide", "Setup"), "## Setup ##\n\nInstall it."),
        (("Guide", "Setup", "Linux"), "### Linux\n\nUse apt."),
        (("Guide", "Usage"), "## Usage\n\nRun it."),
        (("Reference",), "# Reference\n\nAll flags."),
    ]


def test_fenced_code_keeps_indentation_and_hash_lines_are_not_headings(
    chunker: MarkdownChunker,
) -> None:
    markdown = "# Code\n\n```python\ndef main():\n    # not a heading\n\n    return 1\n```"

    chunks = chunker.split(markdown)

    assert len(chunks) == 1
    assert chunks[0].heading_path == ("Code",)
    assert "def main():\n    # not a heading\n\n    return 1\n```" in chunks[0].text


def test_tabs_and_no_break_spaces_do_not_glue_words(chunker: MarkdownChunker) -> None:
    chunks = chunker.split("alpha\tbeta\u00a0gamma")

    assert re.split(r"\s+", chunks[0].text) == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("markdown", ["", "   \n\n\t  ", "\n\u00a0\r\n\u2003"])
def test_blank_documents_give_no_chunks(chunker: MarkdownChunker, markdown: str) -> None:
    assert chunker.split(markdown) == []


def _long_url() -> str:
    return "See https://example.com/" + "/".join(f"segment-{n}?q={n}&x=y" for n in range(3000))


def _table() -> str:
    header = "| " + " | ".join(f"column {n}" for n in range(12)) + " |"
    rule = "|" + "---|" * 12
    rows = ["| " + " | ".join(f"value {r}-{c} lorem" for c in range(12)) + " |" for r in range(300)]
    return "\n".join([header, rule, *rows])


@pytest.mark.parametrize(
    "markdown",
    [
        pytest.param(_long_url(), id="long-url"),
        pytest.param("x" * 50_000, id="one-giant-word"),
        pytest.param("ab1" * 40_000, id="no-whitespace-alnum"),
        pytest.param("\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5" * 5_000, id="cjk-without-punctuation"),
        pytest.param("\u8fd9\u662f\u4e00\u4e2a\u53e5\u5b50\u3002" * 4_000, id="cjk-sentences"),
        pytest.param(_table(), id="wide-table"),
        pytest.param(("word " * 10_000).strip(), id="50kb-one-line"),
        pytest.param("\U0001f600\U0001f680" * 10_000, id="emoji"),
        pytest.param("# " + "heading " * 2_000, id="giant-heading"),
        pytest.param("```\n" + "x = 1\n" * 5_000, id="unclosed-code-fence"),
    ],
)
def test_no_chunk_exceeds_the_limit_on_adversarial_input(
    chunker: MarkdownChunker, markdown: str
) -> None:
    chunks = chunker.split(markdown)

    assert_within_limit(chunks)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.text(min_size=1, max_size=3_000))
def test_no_chunk_exceeds_a_small_limit_on_any_text(markdown: str) -> None:
    small = MarkdownChunker(COUNT, 48, overlap_tokens=8)

    chunks = small.split(markdown)

    for chunk in chunks:
        assert chunk.token_count == COUNT(chunk.text) <= 48
        assert chunk.text.strip()


def test_every_word_of_a_long_document_lands_in_some_chunk(chunker: MarkdownChunker) -> None:
    rng = random.Random(11)
    markdown = "\n\n".join(paragraph(rng, 5, 400) for _ in range(40))

    chunks = chunker.split(markdown)

    assert_within_limit(chunks)
    assert set(markdown.split()) <= {word for chunk in chunks for word in chunk.text.split()}


def test_pieces_of_one_long_paragraph_overlap(chunker: MarkdownChunker) -> None:
    rng = random.Random(5)
    sentences = [paragraph(rng, 6, 10) for _ in range(200)]
    markdown = " ".join(sentences)

    chunks = chunker.split(markdown)

    assert len(chunks) > 3
    for before, after in itertools.pairwise(chunks):
        first_sentence = after.text.split(". ")[0] + "."
        assert first_sentence in before.text


def test_the_same_markdown_always_gives_the_same_chunks() -> None:
    rng = random.Random(3)
    markdown = "# Title\n\n" + "\n\n".join(paragraph(rng) for _ in range(80))

    first = MarkdownChunker(COUNT, MAX_TOKENS).split(markdown, title="t")
    second = MarkdownChunker(COUNT, MAX_TOKENS).split(markdown, title="t")

    assert first == second
    assert len(first) > 5


def _sixty_paragraphs(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [paragraph(rng) for _ in range(60)]


def _new_texts(chunker: MarkdownChunker, before: list[str], after: list[str]) -> set[str]:
    old = {chunk.text for chunk in chunker.split("\n\n".join(before))}
    new_chunks = chunker.split("\n\n".join(after))
    assert len(new_chunks) >= 10, "the document must span many chunks for the test to mean much"
    return {chunk.text for chunk in new_chunks} - old


@pytest.mark.parametrize("seed", range(8))
def test_inserting_a_paragraph_at_the_top_changes_at_most_three_chunks(
    chunker: MarkdownChunker, seed: int
) -> None:
    paragraphs = _sixty_paragraphs(seed)
    inserted = paragraph(random.Random(seed + 1000))

    new_texts = _new_texts(chunker, paragraphs, [inserted, *paragraphs])

    assert 1 <= len(new_texts) <= 3


@pytest.mark.parametrize("seed", range(8))
def test_editing_a_middle_paragraph_changes_at_most_three_chunks(
    chunker: MarkdownChunker, seed: int
) -> None:
    paragraphs = _sixty_paragraphs(seed)
    edited = list(paragraphs)
    edited[30] = paragraph(random.Random(seed + 2000))

    new_texts = _new_texts(chunker, paragraphs, edited)

    assert 1 <= len(new_texts) <= 3


def test_title_roots_every_heading_path(chunker: MarkdownChunker) -> None:
    chunks = chunker.split("Loose text.\n\n## Deep\n\nMore.", title="  Q2   plan.docx ")

    assert [chunk.heading_path for chunk in chunks] == [("Q2 plan.docx",), ("Q2 plan.docx", "Deep")]


@pytest.mark.parametrize(
    ("max_tokens", "overlap", "target"),
    [(16, 0, None), (256, 200, None), (256, -1, None), (256, 32, 0), (256, 32, 10_000)],
)
def test_impossible_settings_are_refused(max_tokens: int, overlap: int, target: int | None) -> None:
    with pytest.raises(ValueError, match=r"must|room"):
        MarkdownChunker(COUNT, max_tokens, overlap_tokens=overlap, target_tokens=target)
