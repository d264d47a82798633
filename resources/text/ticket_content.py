"""Reads a ticket's content ZIP (SPEC.md 2.8): one Markdown file plus an `attachments/` folder."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
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
    span = _section_span(lines, lambda title: bool(_COMMENTS_TITLE.match(title)))
    if span is None:
        return None
    start, end = span
    return "\n".join(lines[start:end]).strip()


def beyond_description(markdown: str, description: str) -> str | None:
    """The document without what the ticket's own fields give: its title and properties (what
    comes before its `Description` section) and that section, when it holds `description`. ""
    when nothing else is left; None when the document has no such section (it cannot be told
    apart, so the caller keeps it whole).

    A ticket without comments has no Comments section to take: the whole document used to go in
    after the rendered fields, and every such ticket carried its description twice.
    """
    lines = markdown.split("\n")
    span = _section_span(lines, lambda title: title.lower() == "description")
    if span is None:
        return None
    start, end = span
    if _squashed("\n".join(lines[start + 1 : end])) != _squashed(description):
        return None
    preamble = [line for line in lines[:start] if line.strip()]
    if not all(_HEADING.match(line) or line.lstrip().startswith(("- ", "* ")) for line in preamble):
        return None  # text of its own before the description: keep the document whole
    return "\n".join(lines[end:]).strip()


def _section_span(lines: list[str], is_it: Callable[[str], bool]) -> tuple[int, int] | None:
    """(heading line, end line) of the first section whose title `is_it`: up to the next heading
    of the same or a higher level; None when there is none."""
    headings = _headings(lines)
    found = next(((number, depth) for number, depth, title in headings if is_it(title)), None)
    if found is None:
        return None
    start, level = found
    end = next((n for n, depth, _ in headings if n > start and depth <= level), len(lines))
    return start, end


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line number, depth, title) of each heading outside fenced code."""
    found: list[tuple[int, int, str]] = []
    in_fence = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _HEADING.match(line)
        if heading is not None:
            found.append((number, len(heading.group(1)), heading.group(2)))
    return found


def _squashed(text: str) -> str:
    return " ".join(text.split())
