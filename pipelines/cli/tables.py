"""Tables that fit an 80-column terminal: headers are never cut, long values wrap instead.

Every header keeps its full width (numbers never wrap); the text columns (user ids, sync names)
fold within what is left. Cells are plain text, never Rich markup, since user ids and error
reasons come from outside.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text


def fitted_table(title: str, columns: Sequence[str], *, numeric: Sequence[str] = ()) -> Table:
    """An empty table with `columns`; those in `numeric` are right-aligned and never wrap."""
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
    )
    for name in columns:
        is_number = name in numeric
        table.add_column(
            name,
            justify="right" if is_number else "left",
            no_wrap=is_number,
            min_width=len(name),
            # Numbers take no more room than their header (and a few digits): the rest of the
            # width goes to the text columns, which wrap.
            max_width=len(name) + 2 if is_number else None,
            overflow="fold",
        )
    return table


def add_plain_row(table: Table, values: Sequence[object]) -> None:
    """A row of plain text cells (brackets in a value are shown, not read as markup)."""
    table.add_row(*(Text(str(value)) for value in values))
