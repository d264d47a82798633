"""Renders CRM records and tickets (SPEC.md section 5) as readable Markdown for chunking."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any

from resources.text.errors import ExtractionError
from resources.text.extract import extract_markdown
from resources.text.fields import field_lines, inline_value, is_id_key, label_for
from resources.text.ticket_content import (
    beyond_description,
    comments_section,
    read_ticket_archive,
)

_RECORD_KINDS = {
    "contacts": "Contact",
    "companies": "Company",
    "deals": "Deal",
    "custom_objects": "Custom object",
    "tickets": "Ticket",
}
# Fields a reader looks for first; the rest follow in the record's own order.
_LEADING_FIELDS = (
    "companyName",
    "jobTitle",
    "emails",
    "phoneNumbers",
    "website",
    "addresses",
    "socialProfiles",
    "type",
    "status",
    "statusType",
    "amount",
    "probability",
    "closeDate",
    "nextStep",
    "lifecycleStage",
    "leadSource",
    "tags",
)
_BODY_FIELDS = ("description", "notes")
_TITLE_FIELDS = ("fullName", "name", "title")
# Bookkeeping that the vector payload already carries or that no one searches for.
_SKIPPED_FIELDS = frozenset(
    {
        "createdAt",
        "updatedAt",
        "lastActivityAt",
        "originalRecord",
        "hash",
        "deleted",
        "thumbnailUrl",
        "externalUrl",
        "url",
        "customFields",
        "firstName",
        "lastName",
        "objectType",
    }
)
_TICKET_FIELDS = (
    "status",
    "priority",
    "type",
    "assignees",
    "createdBy",
    "tags",
    "dueAt",
    "resolvedAt",
    "project",
)


def render_crm_record(pipeline: str, record: Mapping[str, Any]) -> str:
    """A contact, company, deal or custom object as Markdown: title, fields, notes, custom fields.

    Identifiers and empty values are left out; so are timestamps the index stores apart.
    """
    kind = _record_kind(pipeline, record)
    custom = record.get("customFields")
    custom_fields = custom if isinstance(custom, Mapping) else {}
    title, title_key = _title(record, custom_fields, fallback=kind)
    lines = [f"# {title}", ""]
    lines += field_lines([("Record type", kind), *_ordered_fields(record, title_key)])
    for body_field in _BODY_FIELDS:
        lines += _section(label_for(body_field), record.get(body_field))
    custom_lines = field_lines(
        (str(key), value) for key, value in custom_fields.items() if not is_id_key(str(key))
    )
    if custom_lines:
        lines += ["", "## Custom fields", "", *custom_lines]
    return "\n".join(lines).strip() + "\n"


def render_ticket(record: Mapping[str, Any], content_zip: bytes | None) -> str:
    """A ticket as Markdown: title, properties, description, then its comments and attachments.

    The comments and attachments come from the content ZIP; an attachment that cannot be read
    as text is skipped. Raises UnreadableFileError (an ExtractionError) for a corrupt ZIP.
    """
    title, _ = _title(record, {}, fallback="Ticket")
    lines = [f"# {title}", ""]
    lines += field_lines(
        [
            ("Record type", "Ticket"),
            ("Ticket", record.get("externalId")),
            *((label_for(key), record.get(key)) for key in _TICKET_FIELDS),
        ]
    )
    description = record.get("description")
    lines += _section("Description", description)
    if content_zip is not None:
        archive = read_ticket_archive(content_zip, shown=f"'{inline_value(title)}'")
        for document in archive.documents:
            rest = _beyond_fields(document, description)
            # Without a Comments heading or its own Description section (or without a
            # description) we cannot tell the parts apart: the whole document goes in rather
            # than risk losing its comments or body.
            text = rest if rest is not None else document.strip()
            if text:
                lines += ["", text]
        attachment_lines = _attachment_sections(archive.attachments)
        if attachment_lines:
            lines += ["", "## Attachments", *attachment_lines]
    return "\n".join(lines).strip() + "\n"


def _beyond_fields(document: str, description: object) -> str | None:
    """What the archived document adds to the rendered fields, or None if that cannot be told."""
    if not inline_value(description):
        return None
    comments = comments_section(document)
    if comments is not None:
        return comments
    return beyond_description(document, str(description))


def _attachment_sections(attachments: list[tuple[str, bytes]]) -> list[str]:
    lines: list[str] = []
    for name, data in attachments:
        try:
            text = extract_markdown(data, mime_type=_attachment_mime_type(name, data), name=name)
        except ExtractionError:
            continue
        lines += ["", f"### {inline_value(name)}", "", text]
    return lines


def _attachment_mime_type(name: str, data: bytes) -> str | None:
    """The type the name implies; for an unknown name, text/plain if the bytes are UTF-8 text."""
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed is not None:
        return guessed
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if b"\x00" in data else "text/plain"


def _record_kind(pipeline: str, record: Mapping[str, Any]) -> str:
    object_type = inline_value(record.get("objectType"))
    if pipeline == "custom_objects" and object_type:
        return object_type
    return _RECORD_KINDS.get(pipeline) or label_for(pipeline) or "Record"


def _title(
    record: Mapping[str, Any], custom_fields: Mapping[str, Any], fallback: str
) -> tuple[str, str | None]:
    """The record's title and the top-level field it came from (left out of the field list)."""
    for key in _TITLE_FIELDS:
        title = inline_value(record.get(key))
        if title:
            return title, key
    full_name = " ".join(
        part for part in (inline_value(record.get(k)) for k in ("firstName", "lastName")) if part
    )
    if full_name:
        return full_name, None
    for key in ("name", "Name", "title", "Title"):
        title = inline_value(custom_fields.get(key))
        if title:
            return title, None
    return fallback, None


def _ordered_fields(record: Mapping[str, Any], title_key: str | None) -> list[tuple[str, Any]]:
    keys = [key for key in _LEADING_FIELDS if key in record]
    keys += [key for key in record if isinstance(key, str) and key not in keys]
    return [
        (label_for(key), record[key])
        for key in keys
        if key != title_key
        and key not in _SKIPPED_FIELDS
        and key not in _BODY_FIELDS
        and not is_id_key(key)
    ]


def _section(heading: str, body: Any) -> list[str]:
    text = body.strip() if isinstance(body, str) else inline_value(body)
    return ["", f"## {heading}", "", text] if text else []
