"""The content of a ticket, as Paragon serves it: a ZIP of one Markdown file plus `attachments/`."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

_PROPERTY_FIELDS = ("status", "priority", "type", "assignees", "createdBy", "tags", "dueAt")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
# Fixed entry timestamp so the same ticket always yields the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _safe_name(name: str, fallback: str) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")
    return cleaned or fallback


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "name" in value:
        return str(value["name"])
    if isinstance(value, list):
        return ", ".join(_show(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def ticket_markdown(ticket: Mapping[str, Any]) -> str:
    """One Markdown document: title, properties, description and every comment."""
    title = str(ticket.get("title") or ticket.get("externalId") or "Ticket")
    lines = [f"# {title}", ""]
    for field in _PROPERTY_FIELDS:
        if ticket.get(field) not in (None, "", []):
            lines.append(f"- **{field}**: {_show(ticket[field])}")
    lines += ["", "## Description", "", str(ticket.get("description") or "").strip(), ""]
    comments = ticket.get("comments") or []
    if comments:
        lines += ["## Comments", ""]
        for comment in comments:
            author = comment.get("author", "unknown") if isinstance(comment, Mapping) else "unknown"
            created = comment.get("createdAt", "") if isinstance(comment, Mapping) else ""
            body = comment.get("body", "") if isinstance(comment, Mapping) else str(comment)
            lines += [f"### {author} ({created})".replace(" ()", ""), "", str(body).strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def ticket_zip(ticket: Mapping[str, Any]) -> bytes:
    """ZIP bytes: `<externalId>.md` and `attachments/<name>` for each text attachment."""
    buffer = io.BytesIO()
    stem = _safe_name(str(ticket.get("externalId") or "ticket"), "ticket")
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(f"{stem}.md", _ZIP_TIME), ticket_markdown(ticket))
        used: set[str] = set()
        for index, attachment in enumerate(ticket.get("attachments") or []):
            if not isinstance(attachment, Mapping):
                continue
            name = _safe_name(str(attachment.get("name") or ""), f"attachment-{index + 1}.txt")
            # Two attachments of one name would make a ZIP with duplicate entries.
            if name in used:
                name = f"{index + 1}-{name}"
            used.add(name)
            info = zipfile.ZipInfo(f"attachments/{name}", _ZIP_TIME)
            archive.writestr(info, str(attachment.get("text") or ""))
    return buffer.getvalue()
