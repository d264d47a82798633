"""What no real delivery holds: a NUL character anywhere, an event name or user id too long to
be one, a user id with control characters. Each check names the problem in one line, or None."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_EVENT_NAME_CHARS",
    "MAX_USER_ID_CHARS",
    "event_name_problem",
    "nul_problem",
    "user_id_problem",
]

# A Connected User's id is the `sub` an app signs into its user tokens: an account id or an
# email, never this long. The bound also keeps the inbox's (user_id, event_type) index row
# within PostgreSQL's limit, so an oversize id is refused (400) instead of failing the write
# (503, which the sender would retry forever).
MAX_USER_ID_CHARS = 256
# Paragon's event names are about 15 characters. Normalising inserts at most one underscore
# per character, so a stored name stays within 256 characters, like the user id beside it.
MAX_EVENT_NAME_CHARS = 128
# Control characters (C0, DEL, C1), format characters (bidi overrides, zero-width spaces) and
# line/paragraph separators: none belongs in an id, and each can disguise one in a log or UI.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_PLAIN_FIELD_NAME = re.compile(r"[A-Za-z0-9_$-]{1,40}")
_MAX_PATH_PARTS = 6
_NUL = "contains a NUL character (U+0000)"


def event_name_problem(name: str) -> str | None:
    """Why `name` (the body's `event`, as sent) cannot be a webhook event's, if it cannot."""
    if len(name) > MAX_EVENT_NAME_CHARS:
        return (
            f"event must name a webhook event in at most {MAX_EVENT_NAME_CHARS} characters, "
            f"not {len(name)}"
        )
    return None


def user_id_problem(user_id: str) -> str | None:
    """Why `user_id` cannot be a Connected User's id (too long, control characters), if so."""
    if len(user_id) > MAX_USER_ID_CHARS:
        return f"user.id must be at most {MAX_USER_ID_CHARS} characters long, not {len(user_id)}"
    for char in user_id:
        if unicodedata.category(char) in _UNPRINTABLE_CATEGORIES:
            return (
                f"user.id must not contain control or format characters (found U+{ord(char):04X})"
            )
    return None


def nul_problem(document: dict[str, Any]) -> str | None:
    """Where the first string or field name found to hold a NUL character is, if one does.

    No webhook carries one, and PostgreSQL cannot store one in text: accepted, it would fail
    the write with a 503 that the sender retries forever. Iterative, as JSON may nest deeply;
    only containers get a crumb of their path, so the work stays linear in the body's size.
    """
    pending: list[tuple[dict[str, Any] | list[Any], _Crumb | None]] = [(document, None)]
    while pending:
        container, crumb = pending.pop()
        entries = container.items() if isinstance(container, dict) else enumerate(container)
        for part, value in entries:
            if isinstance(part, str) and "\x00" in part:
                where = _spelled_path(crumb) if crumb is not None else "the body"
                return f"a field name in {where} {_NUL}"
            if isinstance(value, str):
                if "\x00" in value:
                    return f"{_spelled_path(_Crumb(crumb, part))} {_NUL}"
            elif isinstance(value, dict | list):
                pending.append((value, _Crumb(crumb, part)))
    return None


@dataclass(frozen=True, slots=True)
class _Crumb:
    """One step of the path from the body to a value: a field name or a list index."""

    parent: _Crumb | None
    part: str | int


def _spelled_path(crumb: _Crumb | None) -> str:
    """`data.items[0].name`; odd field names quoted and cut short, so the text is one safe line."""
    parts: list[str | int] = []
    while crumb is not None:
        parts.append(crumb.part)
        crumb = crumb.parent
    parts.reverse()
    text = ""
    for part in parts[:_MAX_PATH_PARTS]:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_FIELD_NAME.fullmatch(part):
            text += f".{part}" if text else part
        else:
            # ensure_ascii escapes every control character, so a name cannot break the line.
            shown = json.dumps(part[:24] + ("..." if len(part) > 24 else ""), ensure_ascii=True)
            text += f"[{shown}]"
    return text + ("..." if len(parts) > _MAX_PATH_PARTS else "")
