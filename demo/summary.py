"""What a corpus build produced: documents per user and format, sizes, and files written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SIZE_CLASSES", "CorpusSummary", "size_class", "word_count"]

# Upper word-count bounds of the size classes a benchmark reports on.
SIZE_CLASSES: tuple[tuple[str, int], ...] = (
    ("short", 400),
    ("medium", 2_500),
    ("long", 10_000),
    ("very_long", 1_000_000_000),
)


def word_count(markdown: str) -> int:
    """Words of a Markdown text: whitespace-separated tokens holding a letter or digit, so table
    rules and pipes do not count."""
    return sum(1 for token in markdown.split() if any(c.isalnum() for c in token))


def size_class(words: int) -> str:
    """The size class of a document of `words` words: short, medium, long or very_long."""
    return next(name for name, bound in SIZE_CLASSES if words < bound)


@dataclass(frozen=True)
class CorpusSummary:
    """Counts of one build; `files_unchanged` were already identical on disk and left alone."""

    root: Path
    documents: Mapping[str, Mapping[str, int]]  # user -> format -> documents
    sizes: Mapping[str, int]  # size class -> documents
    contacts: Mapping[str, int] = field(default_factory=dict)  # user -> contacts
    tickets: Mapping[str, int] = field(default_factory=dict)  # user -> tickets
    permission_files: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    total_bytes: int = 0  # of every file the build is responsible for, written or not
    words: int = 0  # in the Markdown sources of the documents

    @property
    def users(self) -> list[str]:
        return sorted(self.documents)

    @property
    def total_documents(self) -> int:
        return sum(sum(by_format.values()) for by_format in self.documents.values())

    def describe(self) -> str:
        """One line for a person: documents by format, contacts, tickets, users and size."""
        formats = ", ".join(f"{count} {fmt}" for fmt, count in self.formats.items())
        parts = [f"{self.total_documents} documents ({formats})"]
        if self.contacts:
            parts.append(f"{sum(self.contacts.values())} contacts")
        if self.tickets:
            parts.append(f"{sum(self.tickets.values())} tickets")
        parts.append(f"{len(self.users)} users, {self.total_bytes / 1_000_000:.1f} MB")
        return ", ".join(parts)

    @property
    def formats(self) -> dict[str, int]:
        """Documents per format across users."""
        totals: dict[str, int] = {}
        for by_format in self.documents.values():
            for fmt, count in by_format.items():
                totals[fmt] = totals.get(fmt, 0) + count
        return dict(sorted(totals.items()))
