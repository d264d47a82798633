"""MarkdownChunker on large and hostile texts: tokenizer work linear in the text, limits kept.

The work is counted, not timed: a counting wrapper around the real tokenizer records how many
texts and characters the chunker asks it about.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest

from resources.embedder_resource import EmbedderResource
from resources.embedding import FakeEmbedder, TokenCounter
from resources.text import Chunk, MarkdownChunker

COUNT = TokenCounter.packaged()
MAX_TOKENS = 256
_SENTENCE = (
    "the index keeps every chunk of a document next to its vector so that a search finds "
    "the passage a reader needs while the ledger remembers which records were already seen"
)
_WORDS = _SENTENCE.split(" ")


class CountingTokenizer:
    """The packaged tokenizer, counting the texts and characters it is asked about."""

    def __init__(self) -> None:
        self.texts = 0
        self.chars = 0
        self.single_calls = 0

    def __call__(self, text: str) -> int:
        self.texts += 1
        self.single_calls += 1
        self.chars += len(text)
        return COUNT(text)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        self.texts += len(texts)
        self.chars += sum(len(text) for text in texts)
        return COUNT.count_many(texts)

    def reset(self) -> None:
        self.texts = self.chars = self.single_calls = 0


def counted_chunker() -> tuple[MarkdownChunker, CountingTokenizer]:
    tokenizer = CountingTokenizer()
    chunker = MarkdownChunker(tokenizer, MAX_TOKENS, count_many=tokenizer.count_many)
    tokenizer.reset()  # the constructor's own probes are not the split's work
    return chunker, tokenizer


def prose(chars: int, seed: int = 1, *, headings: bool = False) -> str:
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < chars:
        if headings and len(paragraphs) % 8 == 0:
            paragraph = "#" * rng.randint(1, 3) + " " + " ".join(rng.sample(_WORDS, 3))
        else:
            sentences = [
                " ".join(rng.choices(_WORDS, k=rng.randint(5, 20))).capitalize() + "."
                for _ in range(rng.randint(1, 8))
            ]
            paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def one_line_of_words(chars: int, seed: int = 2) -> str:
    """Made-up words from a large vocabulary, so that counts per word cannot be reused."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(2, 9))) for _ in range(20_000)]
    return " ".join(rng.choices(vocabulary, k=chars // 6))


def assert_exact_and_within_limit(chunks: list[Chunk]) -> None:
    assert chunks
    for chunk in chunks:
        assert chunk.text and chunk.text == chunk.text.strip()
        assert chunk.token_count == COUNT(chunk.text) <= MAX_TOKENS


@pytest.mark.parametrize("headings", [False, True], ids=["headingless", "with-headings"])
def test_each_character_is_tokenized_about_once_in_batches(headings: bool) -> None:
    chunker, tokenizer = counted_chunker()
    markdown = prose(400_000, headings=headings)

    chunks = chunker.split(markdown)

    assert_exact_and_within_limit(chunks)
    # Paragraphs are counted once; the chunks they join into are not counted again.
    assert tokenizer.chars <= 1.1 * len(markdown)
    assert tokenizer.single_calls <= len(chunks) // 20


@pytest.mark.parametrize(
    "make",
    [prose, one_line_of_words],
    ids=["paragraphs", "one-line-of-words"],
)
def test_twice_the_text_asks_the_tokenizer_twice_as_much(make: Callable[[int], str]) -> None:
    work: list[tuple[int, int]] = []
    for chars in (200_000, 400_000):
        chunker, tokenizer = counted_chunker()
        assert_exact_and_within_limit(chunker.split(make(chars)))
        work.append((tokenizer.texts, tokenizer.chars))

    (texts, chars), (texts_2x, chars_2x) = work
    assert 1.7 <= texts_2x / texts <= 2.3
    assert 1.7 <= chars_2x / chars <= 2.3


def test_one_giant_line_of_words_is_not_counted_word_by_word() -> None:
    chunker, tokenizer = counted_chunker()
    markdown = one_line_of_words(500_000)

    chunks = chunker.split(markdown)

    assert_exact_and_within_limit(chunks)
    assert tokenizer.texts <= 2 * len(chunks)
    assert tokenizer.chars <= 3 * len(markdown)
    assert " ".join(chunk.text for chunk in chunks).split() == markdown.split()


@pytest.mark.parametrize(
    "markdown",
    [
        pytest.param("q7" * 500_000, id="1mb-without-spaces"),
        pytest.param("\ufffd " * 200_000, id="zero-token-pieces"),
        pytest.param(("\ufffd " * 60 + "word ") * 3_000, id="zero-token-pieces-among-words"),
        pytest.param("\u8fd9\u662f\u4e00\u4e2a\u53e5\u5b50" * 40_000, id="cjk-one-line"),
        pytest.param("\n".join(["a,b,c,d"] * 100_000), id="csv-without-blank-lines"),
    ],
)
def test_hostile_texts_take_linear_tokenizer_work(markdown: str) -> None:
    chunker, tokenizer = counted_chunker()

    chunks = chunker.split(markdown)

    for chunk in chunks:
        assert chunk.token_count == COUNT(chunk.text) <= MAX_TOKENS
    assert tokenizer.chars <= 6 * len(markdown)


def test_a_tokenizer_whose_joins_do_not_add_up_still_gets_exact_counts() -> None:
    # One token per started 3 bytes: a blank line between paragraphs adds to the count.
    def count_bytes(text: str) -> int:
        return -(-len(text.encode("utf-8")) // 3) + 2

    chunker = MarkdownChunker(count_bytes, 128)

    chunks = chunker.split(prose(60_000, headings=True))

    assert len(chunks) > 20
    for chunk in chunks:
        assert chunk.token_count == count_bytes(chunk.text) <= 128


def test_batch_counting_gives_the_same_chunks_as_one_text_at_a_time() -> None:
    markdown = prose(100_000, seed=9, headings=True) + "\n\n" + one_line_of_words(80_000)

    batched = MarkdownChunker(COUNT, MAX_TOKENS, count_many=COUNT.count_many).split(markdown)
    single = MarkdownChunker(COUNT, MAX_TOKENS).split(markdown)

    assert batched == single


def test_the_resources_chunker_counts_with_the_embedders_batch_method() -> None:
    fake = FakeEmbedder()
    texts = ["", "word " * 300, "\u4e2d\u6587", prose(2_000)]
    markdown = prose(50_000, seed=4, headings=True)

    chunker = EmbedderResource(backend="fake").get_chunker()

    assert fake.count_tokens_many(texts) == [fake.count_tokens(text) for text in texts]
    assert chunker.split(markdown) == MarkdownChunker(COUNT, MAX_TOKENS).split(markdown)
