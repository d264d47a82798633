"""Batches for a padded model: texts sorted by token count, bounded by count and padded tokens."""

from __future__ import annotations

from collections.abc import Sequence


def length_sorted_batches(
    lengths: Sequence[int], *, max_texts: int, max_tokens: int
) -> list[list[int]]:
    """Positions of `lengths` grouped into batches, shortest texts first.

    Every batch pads to its longest text, so texts of similar length go together: sorted by
    token count (not characters), a batch holds at most `max_texts` texts and at most
    `max_tokens` tokens once padded. A text longer than `max_tokens` gets a batch of its own.
    Sorting is stable, so equal lengths keep their order.
    """
    if max_texts < 1:
        raise ValueError(f"max_texts must be at least 1, got {max_texts}.")
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}.")
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    for position in order:
        # Sorted ascending, so this text is the longest of the batch it would join.
        padded = (len(current) + 1) * lengths[position]
        if current and (len(current) == max_texts or padded > max_tokens):
            batches.append(current)
            current = []
        current.append(position)
    if current:
        batches.append(current)
    return batches
