"""Reads a ticket's content ZIP (SPEC.md 2.8): one Markdown file plus an `attachments/` folder."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from resources.text.errors import UnreadableFileError

# Attachments past this size are skipped: ticket attachments worth indexing are documents,
# and the declared size also caps what a malicious archive can inflate to.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_MARKDOWN_SUFFIXES = (".md", ".markdown")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENTS_TITLE = re.compile(r"^comments?$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError)


@dataclass(frozen=True)
class TicketArchive:
    """The archive's Markdown documents (by name) and attachment bytes (by file name)."""

    documents: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def read_ticket_archive(content_zip: bytes, *, shown: str) -> TicketArchive:
    """The Markdown and attachments in a ticket's ZIP; UnreadableFileError if it is corrupt.

    An attachment that cannot be read is skipped: the ticket's own text still counts.
    """
    archive = TicketArchive()
    try:
        with zipfile.ZipFile(io.BytesIO(content_zip)) as bundle:
            members = sorted(
                (info for info in bundle.infolist() if not info.is_dir()),
                key=lambda info: info.filename,
            )
            for info in members:
                path = PurePosixPath(info.filename)
                if "attachments" in path.parts[:-1]:
                    if info.file_size <= MAX_ATTACHMENT_BYTES:
                        _read_attachment(bundle, info, archive)
                elif path.suffix.lower() in _MARKDOWN_SUFFIXES:
                    text = bundle.read(info).decode("utf-8-sig", errors="replace")
                    archive.documents.append(text.replace("\r\n", "\n"))
    except _ARCHIVE_ERRORS as exc:
        raise UnreadableFileError(
            f"The content archive of ticket {shown} is corrupt or unreadable."
        ) from exc
    return archive


def _read_attachment(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, into: TicketArchive) -> None:
    try:
        data = bundle.read(info)
    except _ARCHIVE_ERRORS:
        return
    into.attachments.append((PurePosixPath(info.filename).name, data))


def comments_section(markdown: str) -> str | None:
    """The document's Comments section, heading included; None when it has none.

    The section runs from a `Comments` heading to the next heading of the same or a higher
    level; headings inside fenced code do not count.
    """
    lines = markdown.split("\n")
    start: int | None = None
    level = 0
    end = len(lines)
    in_fence = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            continue
        depth = len(heading.group(1))
        if start is None and _COMMENTS_TITLE.match(heading.group(2)):
            start, level = number, depth
        elif start is not None and depth <= level:
            end = number
            break
    if start is None:
        return None
    return "\n".join(lines[start:end]).strip()
