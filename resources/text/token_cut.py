"""Cuts a text that is over the token limit at the longest prefixes that fit, measured by the
tokenizer, backing off to whitespace where it can."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_NON_SPACE = re.compile(r"\S")


class TokenCutter:
    """Pieces of at most `max_tokens` tokens (and `max_chars` characters) of any text."""

    def __init__(self, count_tokens: Callable[[str], int], max_tokens: int, max_chars: int) -> None:
        self._count_tokens = count_tokens
        self._max_tokens = max_tokens
        self._max_chars = max_chars
        self._special_tokens = count_tokens("")

    def pieces(self, text: str) -> Iterator[tuple[str, int]]:
        """(piece, token count) in order; `text` must start without whitespace.

        Work is linear in the text: pieces are read by position, never by copying the rest.
        """
        start = 0
        while start < len(text):
            rest = len(text) - start
            if rest <= self._max_chars:
                count = self._count_tokens(text[start:])
                if count <= self._max_tokens:
                    yield text[start:], count
                    return
            cut = start + self._fitting_prefix(text, start)
            end = _soft_cut(text, start, cut)
            piece = text[start:end].rstrip()
            count = self._count_tokens(piece) if piece else 0
            if count > self._max_tokens or not piece:
                # Backing off to whitespace or stripping changed the tokens: take the
                # prefix that was measured to fit.
                end, piece = cut, text[start:cut]
                count = self._count_tokens(piece)
            else:
                end = start + len(piece)
            if piece.strip():
                yield piece, count
            following = _NON_SPACE.search(text, end)
            start = following.start() if following else len(text)

    def _fitting_prefix(self, text: str, start: int) -> int:
        """A length from `start` whose text fits the limit (the longest, to within a few percent).

        Probes are counted uncached: prefixes are never asked about twice.
        """
        limit = self._max_tokens
        end = min(len(text) - start, self._max_chars)
        fits, fits_count = 0, self._special_tokens
        probe = min(end, max(16, limit))
        while True:
            count = self._count_tokens(text[start : start + probe])
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
            count = self._count_tokens(text[start : start + probe])
            if count <= limit:
                fits, fits_count = probe, count
            else:
                too_long, too_long_count = probe, count
            step += 1
        # One character always fits any real model's limit; never stall on it.
        return max(fits, 1)


def _soft_cut(text: str, start: int, cut: int) -> int:
    """`cut`, moved back to the last whitespace in the final quarter of text[start:cut]."""
    if cut >= len(text):
        return cut
    low = start + (cut - start) * 3 // 4
    space = max(text.rfind(" ", low, cut), text.rfind("\n", low, cut))
    return space if space > start else cut
