"""Per-file access from `<file>.permissions.json` sidecars, as Paragon's Permissions API."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from emulator.errors import BadRequest
from emulator.source_paths import PERMISSIONS_SUFFIX, read_source_bytes

logger = logging.getLogger("syncrag.emulator")

ROLES = ("can_read", "can_write", "is_owner")
# A stronger role grants the weaker ones: owner implies write, write implies read.
_GRANTED_BY = {
    "can_read": ("can_read", "can_write", "is_owner"),
    "can_write": ("can_write", "is_owner"),
    "is_owner": ("is_owner",),
}


def default_email(user_id: str) -> str:
    """The email of a Connected User in the emulated provider: the owner of unshared files."""
    return f"{user_id}@example.com".lower()


def normalize_user(user: str) -> str:
    """`user:Ana@Acme.com` and `ana@acme.com` name the same person."""
    return user.strip().removeprefix("user:").strip().lower()


def normalize_object(obj: str) -> str:
    """A record id, with an OpenFGA-style `file:` / `folder:` prefix removed."""
    for prefix in ("file:", "folder:"):
        if obj.startswith(prefix):
            return obj[len(prefix) :]
    return obj


def require_role(role: object) -> str:
    """`role` if it is one of the three roles; BadRequest otherwise."""
    if role not in ROLES:
        raise BadRequest(f"`role` must be one of {', '.join(ROLES)}; got {role!r}.")
    return str(role)


def _emails(value: object) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {normalize_user(item) for item in value if isinstance(item, str) and item.strip()}


def grants(file: Path, owner_email: str) -> dict[str, frozenset[str]]:
    """For each role, the emails that hold it on `file` (implied roles included)."""
    sidecar = file.with_name(file.name + PERMISSIONS_SUFFIX)
    direct: dict[str, set[str]] = {"can_read": set(), "can_write": set(), "is_owner": set()}
    # A linked sidecar is read as unreadable (O_NOFOLLOW): it leaves the file to its owner.
    if sidecar.is_symlink() or sidecar.is_file():
        try:
            raw = json.loads(read_source_bytes(sidecar).decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            # An unreadable sidecar shares nothing: fall back to the owner alone.
            logger.warning("Ignoring unreadable permissions sidecar %s: %s", sidecar, error)
            raw = {"is_owner": [owner_email]}
        if not isinstance(raw, dict):
            raw = {"is_owner": [owner_email]}
        for role in ROLES:
            direct[role] = _emails(raw.get(role))
    else:
        direct["is_owner"] = {owner_email}
    return {
        role: frozenset().union(*(direct[source] for source in _GRANTED_BY[role])) for role in ROLES
    }


def has_access(file: Path | None, owner_email: str, user: str, role: str) -> bool:
    """Whether `user` holds `role` on `file` (None: the object is unknown or deleted)."""
    if file is None:
        return False
    return normalize_user(user) in grants(file, owner_email)[role]
