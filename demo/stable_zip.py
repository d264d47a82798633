"""Repack ZIP-based documents (DOCX, PPTX, XLSX) so that the same content gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile

__all__ = ["FIXED_TIMESTAMP", "FIXED_ZIP_TIME", "pack_zip", "restamp_zip"]

# One instant for every date a document carries: entry times, created, modified.
FIXED_ZIP_TIME = (2025, 1, 6, 9, 0, 0)
FIXED_TIMESTAMP = "2025-01-06T09:00:00Z"

# Office writers stamp docProps/core.xml with the time of writing; the W3CDTF dates are replaced.
_CORE_DATE = re.compile(
    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def pack_zip(parts: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of `parts` in the given order, with fixed times and attributes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # the host system is recorded too; pin it to Unix
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def restamp_zip(data: bytes) -> bytes:
    """The same archive with entry times and core-property dates set to the fixed instant."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    stamped = [
        (name, _CORE_DATE.sub(rb"\g<1>" + FIXED_TIMESTAMP.encode() + rb"\g<2>", blob))
        if name == "docProps/core.xml"
        else (name, blob)
        for name, blob in parts
    ]
    return pack_zip(stamped)
