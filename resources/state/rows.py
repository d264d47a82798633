"""Building the state package's frozen dataclasses from database rows whose columns they name."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import RowMapping

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["from_row"]

T = TypeVar("T", bound="DataclassInstance")


def from_row(cls: type[T], row: RowMapping, **converted: Any) -> T:
    """A `cls` whose fields are the row's columns of the same names, but for `converted` ones.

    `converted` holds the fields a column cannot give as it is stored (enums, JSON, booleans).
    """
    values = {field.name: row[field.name] for field in dataclasses.fields(cls)}
    return cls(**(values | converted))
