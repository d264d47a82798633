"""Token counts for one chunking pass: counted in batches, remembered, added up where exact.

Counting is most of the chunker's work. The model's tokenizer counts a batch on all cores
(one text at a time, on one), and for tokenizers that split words at whitespace (WordPiece,
as in BERT and MiniLM) the count of paragraphs joined by blank lines is the sum of their
counts, so each paragraph is tokenized once rather than again inside every chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

CountTokens = Callable[[str], int]
CountMany = Callable[[Sequence[str]], list[int]]

# Texts tokenized together in one batch: enough to keep every core busy, few enough that the
# tokenizer's encodings of one batch stay small.
_BATCH_CHARS = 1 << 20
_BATCH_TEXTS = 4096
# Text whose tokens the joins must not change: accents, CJK, emoji, URLs, code, combining marks.
_PROBES = (
    "Hello, world!",
    "naïve café déjà vu",
    "中文字符测试。",
    "x = f(y) ** 2  # note",
    "https://example.com/a?b=c&d=e",
    "\u0301accent first",
    "emoji 😀🚀 end",
    "ÅNGSTRÖM 42.5% [1]",
    "a",
)
PARAGRAPH_BREAK = "\n\n"


def counts_in_batches(count_tokens: CountTokens) -> CountMany:
    """A CountMany that counts one text at a time, for counters without a batch method."""

    def count_many(texts: Sequence[str]) -> list[int]:
        return [count_tokens(text) for text in texts]

    return count_many


def joins_add_up(count_tokens: CountTokens) -> bool:
    """Whether paragraphs joined by a blank line count as the sum of their counts.

    True for tokenizers that split words at whitespace and normalise character by character
    (BERT's WordPiece); false for those that keep whitespace as tokens (GPT-2's byte-level BPE).
    Checked on probes covering what could break it, since the counter is an opaque function.
    """
    special = count_tokens("")
    counts = {probe: count_tokens(probe) for probe in _PROBES}
    for first in _PROBES:
        if count_tokens(f"  {first} \n") != counts[first]:
            return False
        for second in _PROBES:
            joined = count_tokens(first + PARAGRAPH_BREAK + second)
            if joined != counts[first] + counts[second] - special:
                return False
    return True


class TokenCounts:
    """Token counts of the texts of one split() call, special tokens included."""

    def __init__(
        self,
        count_tokens: CountTokens,
        count_many: CountMany,
        special_tokens: int,
        *,
        additive: bool,
    ) -> None:
        self._count_tokens = count_tokens
        self._count_many = count_many
        self._special = special_tokens
        self._additive = additive
        self._known: dict[str, int] = {}

    def prefetch(self, texts: Iterable[str]) -> None:
        """Counts the texts not yet known, many at a time."""
        batch: list[str] = []
        chars = 0
        for text in texts:
            if text in self._known:
                continue
            batch.append(text)
            chars += len(text)
            if chars >= _BATCH_CHARS or len(batch) >= _BATCH_TEXTS:
                self._count_batch(batch)
                batch, chars = [], 0
        if batch:
            self._count_batch(batch)

    def tokens(self, text: str) -> int:
        """Tokens of the text as a chunk of its own."""
        count = self._known.get(text)
        if count is None:
            count = self._count_tokens(text)
            self._known[text] = count
        return count

    def content_tokens(self, text: str) -> int:
        """Tokens of the text as part of a larger chunk: special tokens excluded.

        Summing these over pieces approximates the joined text, where summing full counts
        would charge the special tokens once per piece and leave chunks far too short.
        """
        return max(0, self.tokens(text) - self._special)

    def joined(self, paragraphs: Sequence[str]) -> int | None:
        """Tokens of the paragraphs joined by blank lines, if known without counting again."""
        if not self._additive:
            return None
        total = self._special
        for paragraph in paragraphs:
            count = self._known.get(paragraph)
            if count is None:
                return None
            total += count - self._special
        return total

    def joined_text(self, text: str) -> int | None:
        """`joined` for a text made of whole known paragraphs (a recursive splitter's piece)."""
        return self.joined(text.split(PARAGRAPH_BREAK)) if self._additive else None

    def piece_counter(self) -> CountTokens:
        """Content tokens for a recursive splitter, remembered only as long as the splitter.

        A piece's trailing blank line adds no tokens where joins add up, so "paragraph\\n\\n"
        reuses the paragraph's count. Every non-empty piece counts at least 1: the splitter
        keeps whole runs of zero-token pieces in hand (U+FFFD, lone accents), and moves
        through them one at a time, which would take time quadratic in their number.
        """
        local: dict[str, int] = {}

        def count(text: str) -> int:
            if not text:
                return 0
            known = self._known.get(text)
            if known is None and self._additive:
                known = self._known.get(text.strip())
            if known is None:
                known = local.get(text)
            if known is None:
                known = self._count_tokens(text)
                local[text] = known
            return max(1, known - self._special)

        return count

    def _count_batch(self, batch: list[str]) -> None:
        counts = self._count_many(batch)
        self._known.update(zip(batch, counts, strict=True))
