"""Renders record fields (scalars, lists, nested objects) as one-line Markdown list items."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

# Keys whose value names the thing (an email address, a person) rather than describing it.
_MAIN_KEYS = (
    "value",
    "name",
    "fullName",
    "displayName",
    "email",
    "address",
    "number",
    "phone",
    "url",
    "label",
    "title",
)
# Keys that qualify the main value, shown in parentheses: "ana@acme.com (work)".
_QUALIFIER_KEYS = ("type", "kind", "label")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DEPTH = 4


def is_id_key(key: str) -> bool:
    """Whether a field holds an identifier (opaque to a reader, useless to a search)."""
    lowered = key.lower()
    return lowered in {"id", "ids", "uuid"} or key.endswith(("Id", "Ids", "ID", "_id", "_ids"))


def label_for(key: str) -> str:
    """A readable label for a camelCase or snake_case field name: `jobTitle` -> `Job title`."""
    words = _CAMEL_BOUNDARY.sub(" ", key).replace("_", " ").split()
    if not words:
        return key
    text = " ".join(word if word.isupper() else word.lower() for word in words)
    return text[0].upper() + text[1:]


def inline_value(value: Any, depth: int = 0) -> str:
    """The value on one line; an empty string for empty values (None, "", [], {})."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bytes | bytearray):
        return ""
    if depth >= _MAX_DEPTH:
        return " ".join(json.dumps(value, ensure_ascii=False, default=str).split())
    if isinstance(value, Mapping):
        return _inline_mapping(value, depth)
    if isinstance(value, Iterable):
        items = list(value)
        parts = [inline_value(item, depth + 1) for item in items]
        separator = "; " if any(isinstance(item, Mapping) for item in items) else ", "
        return separator.join(part for part in parts if part)
    return " ".join(str(value).split())


def _inline_mapping(value: Mapping[str, Any], depth: int) -> str:
    main_key = next((k for k in _MAIN_KEYS if inline_value(value.get(k), depth + 1)), None)
    qualifier_key = next(
        (k for k in _QUALIFIER_KEYS if k != main_key and inline_value(value.get(k), depth + 1)),
        None,
    )
    if main_key is not None:
        main = inline_value(value[main_key], depth + 1)
    else:
        parts = [
            inline_value(item, depth + 1)
            for key, item in value.items()
            if key != qualifier_key and not is_id_key(str(key))
        ]
        main = ", ".join(part for part in parts if part)
    if not main:
        return ""
    if qualifier_key is not None:
        return f"{main} ({inline_value(value[qualifier_key], depth + 1)})"
    return main


def field_lines(items: Iterable[tuple[str, Any]]) -> list[str]:
    """`- **Label:** value` lines, skipping empty values."""
    lines = []
    for label, value in items:
        shown = inline_value(value)
        if shown:
            lines.append(f"- **{label}:** {shown}")
    return lines
