"""The bounds on what one record may cost to read, and the archive check that applies them early.

Content is untrusted: a 1 MB DOCX can hold a 1 GiB `word/document.xml`. Every bound here is a
setting with a default a normal document never meets; a record past one is errored with the
bound named, and the rest of the run goes on.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from resources.text.errors import LimitExceededError, UnreadableFileError

MB = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# Members this small may compress as well as they like: a ratio only means a bomb when the
# member is big too (a 10 KB styles.xml of one repeated tag compresses 500x, harmlessly).
_RATIO_FLOOR_BYTES = 1 * MB


@dataclass(frozen=True)
class ExtractionLimits:
    """What reading one record may cost; every field is a setting (SYNCRAG_MAX_*, _EXTRACT_*)."""

    download_bytes: int = 100 * MB
    expanded_bytes: int = 200 * MB
    compression_ratio: int = 100
    memory_bytes: int = 1024 * MB
    seconds: float = 60.0
    text_bytes: int = 20 * MB

    def __post_init__(self) -> None:
        for name in ("download_bytes", "expanded_bytes", "compression_ratio", "memory_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ExtractionLimits.{name} must be positive.")
        if self.seconds <= 0 or self.text_bytes <= 0:
            raise ValueError("ExtractionLimits.seconds and text_bytes must be positive.")


def describe_bytes(size: int) -> str:
    """A size as a person reads it in a limit's name: '200 MB', '512 KB'."""
    if size >= MB and size % MB == 0:
        return f"{size // MB} MB"
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{max(1, size // 1024)} KB"


def check_archive(content: bytes, limits: ExtractionLimits, *, shown: str) -> None:
    """Refuses a ZIP (DOCX, XLSX, PPTX, ticket bundles) that would expand past the limits.

    Reads only the central directory: nothing is decompressed. The sizes it declares are what
    zipfile later reads at most, so a member that lies about its size cannot expand further.
    Content that is not a ZIP passes untouched.
    """
    if not content.startswith(_ZIP_MAGIC):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFileError(f"{shown} is a corrupt ZIP archive.") from exc
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.expanded_bytes:
            raise LimitExceededError(
                f"{shown} expands past the {describe_bytes(limits.expanded_bytes)} "
                "extraction limit (SYNCRAG_MAX_EXPANDED_MB).",
                limit="expanded size",
            )
        if member.file_size >= _RATIO_FLOOR_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.compression_ratio:
                raise LimitExceededError(
                    f"{shown} holds a part that expands {ratio:,.0f} times, past the "
                    f"{limits.compression_ratio}x compression ratio limit "
                    "(SYNCRAG_MAX_COMPRESSION_RATIO).",
                    limit="compression ratio",
                )
