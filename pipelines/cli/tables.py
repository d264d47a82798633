"""Tables that fit an 80-column terminal: headers are never cut, long values wrap instead.

Every header keeps its full width (numbers never wrap); the text columns (user ids, sync names)
fold within what is left. Cells are plain text, never Rich markup, since user ids and error
reasons come from outside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich import box
from rich.table import Table
from rich.text import Text


def fitted_table(
    title: str,
    columns: Sequence[str],
    *,
    numeric: Sequence[str] = (),
    keep: Mapping[str, int] | None = None,
) -> Table:
    """An empty table with `columns`; those in `numeric` are right-aligned and never wrap.

    `keep` gives text columns a width they keep whole while the other text columns wrap: their
    longest value, when it fits in what the other columns' headers leave (`room_for`)."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
    )
    for name in columns:
        is_number = name in numeric
        kept = (keep or {}).get(name)
        table.add_column(
            name,
            justify="right" if is_number else "left",
            # Rich narrows the widest wrapping columns first; a kept one must not be among them.
            no_wrap=is_number or kept is not None,
            min_width=max(len(name), kept or 0),
            # Numbers take no more room than their header (and a few digits): the rest of the
            # width goes to the text columns, which wrap.
            max_width=len(name) + 2 if is_number else kept,
            overflow="fold",
        )
    return table


def add_plain_row(table: Table, values: Sequence[object]) -> None:
    """A row of plain text cells (brackets in a value are shown, not read as markup)."""
    table.add_row(*(Text(str(value)) for value in values))


def room_for(column: str, columns: Sequence[str], width: int) -> int:
    """The widest `column` may keep in a table of `columns` on `width` columns while every other
    header stays whole: the width less the others' headers and the space between columns."""
    return max(len(column), width - _headers_width(columns) + len(column))


def columns_that_fit(columns: Sequence[str], width: int, *, drop_first: Sequence[str]) -> list[str]:
    """`columns` less as few of `drop_first` (in that order) as a `width`-wide terminal needs
    for every remaining header to stay whole."""
    kept = list(columns)
    for name in drop_first:
        if _headers_width(kept) <= width:
            break
        kept.remove(name)
    return kept


def _headers_width(columns: Sequence[str]) -> int:
    return sum(len(name) for name in columns) + 2 * len(columns)
