"""Cuts Markdown into chunks that fit the embedding model, with boundaries set by the content.

Sections come from the Markdown headings, paragraphs group into chunks where a hash of the
paragraph says so (content-defined, so an edit moves only nearby boundaries), long groups are
split with a token-aware recursive splitter, and anything still too long is cut by tokens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from resources.text.sections import markdown_sections

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


@dataclass(frozen=True)
class Chunk:
    """One piece of a document: its position, text, the headings above it and its token count."""

    index: int
    text: str
    heading_path: tuple[str, ...]
    token_count: int


class MarkdownChunker:
    """Splits Markdown into chunks of at most `max_tokens` tokens as `count_tokens` counts them.

    `count_tokens` must be the embedding model's own tokenizer, special tokens included.
    Chunks average about `target_tokens` (default: half the usable budget). Neighbouring
    pieces of one long paragraph share about `overlap_tokens`; chunks that end at a paragraph
    or section boundary share nothing.
    """

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        max_tokens: int,
        overlap_tokens: int = 32,
        target_tokens: int | None = None,
    ) -> None:
        self._count_tokens = count_tokens
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

    @property
    def max_tokens(self) -> int:
        """The hard limit on every chunk's token count."""
        return self._max_tokens

    def split(self, markdown: str, *, title: str | None = None) -> list[Chunk]:
        """The document's chunks, in order; the same Markdown always gives the same chunks.

        `title` (a file name, a record title) becomes the first element of each heading path.
        """
        counter = _CachedCounter(self._count_tokens, self._special_tokens)
        splitter = RecursiveCharacterTextSplitter(
            separators=_SEPARATORS,
            keep_separator="end",
            chunk_size=self._content_budget,
            chunk_overlap=self._overlap_tokens,
            length_function=counter.content_tokens,
        )
        root = (" ".join(title.split()),) if title and title.strip() else ()
        chunks: list[Chunk] = []
        for section_text, headings in markdown_sections(markdown):
            for candidate in self._section_pieces(section_text, counter, splitter):
                for text, token_count in self._fit(candidate, counter):
                    chunks.append(Chunk(len(chunks), text, root + headings, token_count))
        return chunks

    def _section_pieces(
        self,
        section: str,
        counter: _CachedCounter,
        splitter: RecursiveCharacterTextSplitter,
    ) -> list[str]:
        # Only code lines still have leading spaces here: keep them (strip newlines only).
        paragraphs = [p.strip("\n") for p in section.split("\n\n") if p.strip()]
        sizes = [counter.content_tokens(p) for p in paragraphs]
        if sum(sizes) <= self._content_budget:
            return ["\n\n".join(paragraphs)] if paragraphs else []
        pieces: list[str] = []
        for group, group_size in self._groups(paragraphs, sizes):
            text = "\n\n".join(group)
            if group_size <= self._content_budget:
                pieces.append(text)
            else:
                pieces.extend(splitter.split_text(text))
        return pieces

    def _groups(self, paragraphs: list[str], sizes: list[int]) -> list[tuple[list[str], int]]:
        """Paragraphs grouped at content-defined boundaries.

        Whether a group ends after a paragraph depends only on that paragraph (its hash and
        size) and on the group being past a small minimum, so inserting or editing a
        paragraph changes the groups around it and leaves the rest of the document alone.
        """
        groups: list[tuple[list[str], int]] = []
        current: list[str] = []
        size = 0
        for paragraph, paragraph_size in zip(paragraphs, sizes, strict=True):
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

    def _fit(self, text: str, counter: _CachedCounter) -> list[tuple[str, int]]:
        """The text, cut by tokens where needed, as (piece, token count) within the limit."""
        rest = text.strip()
        pieces: list[tuple[str, int]] = []
        while rest:
            if len(rest) <= self._max_chars:
                count = counter.tokens(rest)
                if count <= self._max_tokens:
                    pieces.append((rest, count))
                    break
            cut = self._fitting_prefix(rest)
            piece = rest[: _soft_cut(rest, cut)].strip()
            count = counter.tokens(piece) if piece else 0
            if count > self._max_tokens or not piece:
                # Backing off to whitespace or stripping changed the tokens: take the
                # prefix that was measured to fit.
                piece, count = rest[:cut], counter.tokens(rest[:cut])
            pieces.append((piece, count))
            # `rest` starts without whitespace, so the piece is always a prefix of it.
            rest = rest[len(piece) :].strip()
        return [(piece, count) for piece, count in pieces if piece.strip()]

    def _fitting_prefix(self, text: str) -> int:
        """A prefix length whose text fits the limit (the longest, to within a few percent).

        Probes are counted uncached: prefixes are never asked about twice.
        """
        limit = self._max_tokens
        end = min(len(text), self._max_chars)
        fits, fits_count = 0, self._special_tokens
        probe = min(end, max(16, limit))
        while True:
            count = self._count_tokens(text[:probe])
            if count > limit:
                too_long, too_long_count = probe, count
                break
            fits, fits_count = probe, count
            if probe == end:
                return probe
            probe = min(end, probe * 2)
        step = 0
        while too_long - fits > max(1, fits // 64):
            # Tokens grow about linearly with characters, so aim where that line meets the
            # limit; every other step bisects, which bounds the search when the line lies.
            span = too_long_count - fits_count
            if step % 2 == 0 and span > 0:
                probe = fits + (too_long - fits) * (limit - fits_count) // span
            else:
                probe = (fits + too_long) // 2
            probe = min(max(probe, fits + 1), too_long - 1)
            count = self._count_tokens(text[:probe])
            if count <= limit:
                fits, fits_count = probe, count
            else:
                too_long, too_long_count = probe, count
            step += 1
        # One character always fits any real model's limit; never stall on it.
        return max(fits, 1)


class _CachedCounter:
    """Token counts for one split() call; the recursive splitter asks about a piece repeatedly."""

    def __init__(self, count_tokens: Callable[[str], int], special_tokens: int) -> None:
        self._count_tokens = count_tokens
        self._special_tokens = special_tokens
        self._cache: dict[str, int] = {}

    def tokens(self, text: str) -> int:
        """Tokens of the text as a chunk of its own, special tokens included."""
        count = self._cache.get(text)
        if count is None:
            count = self._count_tokens(text)
            self._cache[text] = count
        return count

    def content_tokens(self, text: str) -> int:
        """Tokens of the text as part of a larger chunk: special tokens excluded.

        Summing these over pieces approximates the joined text, where summing full counts
        would charge the special tokens once per piece and leave chunks far too short.
        """
        return max(0, self.tokens(text) - self._special_tokens)


def _soft_cut(text: str, cut: int) -> int:
    """`cut`, moved back to the last whitespace in its final quarter if there is one."""
    if cut >= len(text):
        return cut
    space = max(text.rfind(" ", cut * 3 // 4, cut), text.rfind("\n", cut * 3 // 4, cut))
    return space if space > 0 else cut
