"""Readers of single JSON fields that accept every documented spelling and type of a value.

Each reader takes the alternative keys in order (camelCase first, snake_case after) and raises
SyncApiProtocolError, naming the field, when the value has a type the docs do not allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from resources.sync_api.errors import SyncApiProtocolError

# Epoch numbers below this are seconds, above it milliseconds: 1e11 seconds is the year 5138,
# 1e11 milliseconds is 1973, so no real timestamp is ambiguous.
_EPOCH_MS_THRESHOLD = 100_000_000_000


def parse_timestamp(value: object) -> datetime | None:
    """A UTC datetime from epoch seconds or milliseconds (number or numeric string) or ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SyncApiProtocolError(f"The Sync API returned {value!r} where a timestamp belongs.")
    if isinstance(value, str) and _is_number(value.strip()):
        value = float(value.strip())
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _EPOCH_MS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise SyncApiProtocolError(
                f"The Sync API returned epoch timestamp {value!r}, which is out of range."
            ) from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise SyncApiProtocolError(
                f"The Sync API returned timestamp {value[:40]!r}, which is neither epoch "
                "milliseconds nor ISO 8601."
            ) from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise SyncApiProtocolError(f"The Sync API returned {value!r} where a timestamp belongs.")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_object(obj: object, what: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise SyncApiProtocolError(
            f"The Sync API returned a {type(obj).__name__} where a {what} object belongs."
        )
    return obj


def first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def str_field(data: Mapping[str, Any], *keys: str) -> str | None:
    value = first(data, *keys)
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        raise SyncApiProtocolError(f"The Sync API returned {keys[0]} as {value!r}, not a string.")
    return str(value)


def int_field(data: Mapping[str, Any], *keys: str) -> int | None:
    value = first(data, *keys)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise SyncApiProtocolError(f"The Sync API returned {keys[0]} as {value!r}, not an integer.")


def timestamp_field(data: Mapping[str, Any], *keys: str) -> datetime | None:
    return parse_timestamp(first(data, *keys))


def truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)
