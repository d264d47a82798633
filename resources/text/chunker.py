"""Cuts Markdown into chunks that fit the embedding model, with boundaries set by the content.

Sections come from the Markdown headings, paragraphs group into chunks where a hash of the
paragraph says so (content-defined, so an edit moves only nearby boundaries), long groups are
split with a token-aware recursive splitter, and anything still too long is cut by tokens.
Time is linear in the text's length: each paragraph is tokenized about once, in batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from resources.text.sections import markdown_sections
from resources.text.token_counts import (
    PARAGRAPH_BREAK,
    CountMany,
    CountTokens,
    TokenCounts,
    counts_in_batches,
    joins_add_up,
)
from resources.text.token_cut import TokenCutter

# Coarse to fine; kept at the end of each piece so sentences keep their punctuation.
_SEPARATORS = [
    "\n\n",
    "\n",
    ". ",
    "? ",
    "! ",
    "\u3002",  # ideographic full stop
    "\uff01",  # fullwidth exclamation mark
    "\uff1f",  # fullwidth question mark
    "; ",
    "\uff1b",  # fullwidth semicolon
    ", ",
    "\uff0c",  # fullwidth comma
    "\u3001",  # ideographic comma
    " ",
]
# A chunk's characters are capped too: a 1 MB run without spaces is one [UNK] token to a
# WordPiece model, but it is no chunk anyone wants in a payload.
_CHARS_PER_TOKEN_CAP = 32
_HASH_SPACE = float(2**64)
# A paragraph longer than this (a whole file on one line, a log without blank lines) is cut
# into windows of about the target size instead: the recursive splitter would count it word
# by word, one call each, and hold every word in memory.
_GIANT_PARAGRAPH_CHARS = 1 << 16


@dataclass(frozen=True)
class Chunk:
    """One piece of a document: its position, text, the headings above it and its token count."""

    index: int
    text: str
    heading_path: tuple[str, ...]
    token_count: int


# A planned chunk before the final cut: its text, its token count when already known.
_Piece = tuple[str, int | None]


class MarkdownChunker:
    """Splits Markdown into chunks of at most `max_tokens` tokens as `count_tokens` counts them.

    `count_tokens` must be the embedding model's own tokenizer, special tokens included;
    `count_many`, if given, counts a batch with the same tokenizer (on all cores). Chunks
    average about `target_tokens` (default: half the usable budget). Neighbouring pieces of
    one long paragraph share about `overlap_tokens`; chunks that end at a paragraph or
    section boundary share nothing.
    """

    def __init__(
        self,
        count_tokens: CountTokens,
        max_tokens: int,
        overlap_tokens: int = 32,
        target_tokens: int | None = None,
        *,
        count_many: CountMany | None = None,
    ) -> None:
        self._count_tokens = count_tokens
        self._count_many = count_many or counts_in_batches(count_tokens)
        self._max_tokens = max_tokens
        self._special_tokens = count_tokens("")
        # A margin below the hard limit: the recursive splitter sums the sizes of pieces,
        # which can differ by a token or two from the size of the joined text.
        margin = max(4, max_tokens // 32)
        self._content_budget = max_tokens - margin - self._special_tokens
        if self._content_budget < 16:
            raise ValueError(
                f"max_tokens={max_tokens} leaves no room for text after {margin} tokens of "
                f"margin and {self._special_tokens} special tokens; use a larger maximum."
            )
        if not 0 <= overlap_tokens <= self._content_budget // 2:
            raise ValueError(
                f"overlap_tokens must be between 0 and {self._content_budget // 2} "
                f"for max_tokens={max_tokens}, got {overlap_tokens}."
            )
        target = target_tokens if target_tokens is not None else self._content_budget // 2
        if not 1 <= target <= self._content_budget:
            raise ValueError(
                f"target_tokens must be between 1 and {self._content_budget} "
                f"for max_tokens={max_tokens}, got {target_tokens}."
            )
        self._overlap_tokens = overlap_tokens
        self._target_tokens = target
        # Groups shorter than this join the next one, so a boundary right after another
        # does not leave a scrap of a chunk.
        self._min_group_tokens = max(1, target // 4)
        self._max_chars = max_tokens * _CHARS_PER_TOKEN_CAP
        self._cutter = TokenCutter(count_tokens, max_tokens, self._max_chars)
        self._additive = joins_add_up(count_tokens)

    @property
    def max_tokens(self) -> int:
        """The hard limit on every chunk's token count."""
        return self._max_tokens

    def split(self, markdown: str, *, title: str | None = None) -> list[Chunk]:
        """The document's chunks, in order; the same Markdown always gives the same chunks.

        `title` (a file name, a record title) becomes the first element of each heading path.
        """
        counts = TokenCounts(
            self._count_tokens, self._count_many, self._special_tokens, additive=self._additive
        )
        root = (" ".join(title.split()),) if title and title.strip() else ()
        sections = [(headings, _paragraphs(text)) for text, headings in markdown_sections(markdown)]
        counts.prefetch(
            paragraph
            for _, paragraphs in sections
            for paragraph in paragraphs
            if len(paragraph) <= _GIANT_PARAGRAPH_CHARS
        )
        planned = [
            (text.strip(), count, headings)
            for headings, paragraphs in sections
            for text, count in self._section_pieces(paragraphs, counts)
        ]
        # Pieces whose count is not known yet are counted together, before the final cut.
        counts.prefetch(
            text for text, count, _ in planned if count is None and len(text) <= self._max_chars
        )
        chunks: list[Chunk] = []
        for candidate, count, headings in planned:
            for text, token_count in self._fit(candidate, count, counts):
                chunks.append(Chunk(len(chunks), text, root + headings, token_count))
        return chunks

    def _section_pieces(self, paragraphs: list[str], counts: TokenCounts) -> Iterator[_Piece]:
        sizes = [
            counts.content_tokens(p) if len(p) <= _GIANT_PARAGRAPH_CHARS else -1 for p in paragraphs
        ]
        if all(size >= 0 for size in sizes) and sum(sizes) <= self._content_budget:
            if paragraphs:
                yield PARAGRAPH_BREAK.join(paragraphs), counts.joined(paragraphs)
            return
        for group, group_size in self._groups(paragraphs, sizes):
            if group_size < 0:
                yield from self._giant_pieces(group[0], counts)
            elif group_size <= self._content_budget:
                yield PARAGRAPH_BREAK.join(group), counts.joined(group)
            else:
                splitter = self._splitter(counts)
                for text in splitter.split_text(PARAGRAPH_BREAK.join(group)):
                    yield text, counts.joined_text(text)

    def _splitter(self, counts: TokenCounts) -> RecursiveCharacterTextSplitter:
        return RecursiveCharacterTextSplitter(
            separators=_SEPARATORS,
            keep_separator="end",
            chunk_size=self._content_budget,
            chunk_overlap=self._overlap_tokens,
            length_function=counts.piece_counter(),
        )

    def _groups(self, paragraphs: list[str], sizes: list[int]) -> list[tuple[list[str], int]]:
        """Paragraphs grouped at content-defined boundaries.

        Whether a group ends after a paragraph depends only on that paragraph (its hash and
        size) and on the group being past a small minimum, so inserting or editing a
        paragraph changes the groups around it and leaves the rest of the document alone.
        A giant paragraph (size -1: not counted) is a group of its own.
        """
        groups: list[tuple[list[str], int]] = []
        current: list[str] = []
        size = 0
        for paragraph, paragraph_size in zip(paragraphs, sizes, strict=True):
            if paragraph_size < 0:
                if current:
                    groups.append((current, size))
                    current, size = [], 0
                groups.append(([paragraph], -1))
                continue
            current.append(paragraph)
            size += paragraph_size
            if size >= self._min_group_tokens and self._ends_group(paragraph, paragraph_size):
                groups.append((current, size))
                current, size = [], 0
        if current:
            groups.append((current, size))
        return groups

    def _ends_group(self, paragraph: str, size: int) -> bool:
        # Each token is a boundary with probability 1/target, so groups average the target.
        digest = hashlib.blake2b(paragraph.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") / _HASH_SPACE < size / self._target_tokens

    def _giant_pieces(self, paragraph: str, counts: TokenCounts) -> Iterator[_Piece]:
        """A giant paragraph in windows of about the target size, cut at whitespace.

        The window's length comes from the tokens per character of the paragraph's start;
        a window that turns out too long goes through the recursive splitter on its own.
        """
        sample = paragraph[: self._max_chars]
        sample_tokens = max(1, counts.content_tokens(sample))
        window = len(sample) * self._target_tokens // sample_tokens
        windows = _windows(paragraph, min(max(window, 16), self._max_chars))
        counts.prefetch(windows)
        for text in windows:
            if counts.content_tokens(text) <= self._content_budget:
                yield text, counts.tokens(text)
            else:
                splitter = self._splitter(counts)
                yield from ((piece, None) for piece in splitter.split_text(text))

    def _fit(self, text: str, count: int | None, counts: TokenCounts) -> Iterator[tuple[str, int]]:
        """The stripped text, cut by tokens where needed, as (piece, token count) pieces."""
        if not text:
            return
        if len(text) <= self._max_chars:
            # A known count stands for the stripped text: where joins add up, whitespace
            # at the ends adds no tokens.
            count = count if count is not None else counts.tokens(text)
            if count <= self._max_tokens:
                yield text, count
                return
        yield from self._cutter.pieces(text)


def _paragraphs(section: str) -> list[str]:
    # Only code lines still have leading spaces here: keep them (strip newlines only).
    return [p.strip("\n") for p in section.split(PARAGRAPH_BREAK) if p.strip()]


def _windows(text: str, size: int) -> list[str]:
    """The text in stripped windows of at most `size` characters, cut at whitespace if any
    is in a window's last quarter."""
    windows: list[str] = []
    start = 0
    while start < len(text):
        cut = start + size
        if cut < len(text):
            space = max(
                text.rfind(" ", cut - size // 4, cut), text.rfind("\n", cut - size // 4, cut)
            )
            cut = space + 1 if space > start else cut
        window = text[start:cut].strip()
        if window:
            windows.append(window)
        start = cut
    return windows
