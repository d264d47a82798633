"""Render the bundled sample corpus into the folder layout the emulator serves:
`<dest>/<user>/<integration>/<pipeline>/...`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from demo.derived import derived_documents
from demo.files import write_if_changed
from demo.render import render_document
from demo.sources import (
    SampleDocument,
    authored_documents,
    contact_lines,
    sample_users,
    ticket_files,
)
from demo.summary import CorpusSummary, size_class, word_count

__all__ = ["build_sample_corpus", "sample_documents"]


def sample_documents() -> list[SampleDocument]:
    """Every document of the sample corpus, authored and derived, ordered by path."""
    documents: list[SampleDocument] = []
    for user in sample_users():
        documents.extend(authored_documents(user))
        documents.extend(derived_documents(user))
    return sorted(documents, key=lambda document: document.path)


def build_sample_corpus(dest: Path) -> CorpusSummary:
    """Render the sample corpus under `dest`, rewriting only files whose bytes differ.

    Files under `dest` that the corpus does not hold are left alone. A scenario's edit to a
    rendered file is undone by the next build.
    """
    documents_by_user: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    contacts: dict[str, int] = {}
    tickets: dict[str, int] = {}
    written = unchanged = total_bytes = permission_files = words = 0

    def put(relative: Path, data: bytes) -> None:
        nonlocal written, unchanged, total_bytes
        total_bytes += len(data)
        if write_if_changed(dest / relative, data):
            written += 1
        else:
            unchanged += 1

    for document in sample_documents():
        put(
            Path(document.path),
            render_document(document.markdown, document.fmt, title=document.title),
        )
        documents_by_user.setdefault(document.user, Counter())[document.fmt] += 1
        count = word_count(document.markdown)
        words += count
        sizes[size_class(count)] += 1
        if document.permissions is not None:
            sidecar = Path(document.path).with_name(f"{document.path.name}.permissions.json")
            put(sidecar, document.permissions.sidecar_bytes())
            permission_files += 1
    for user in sample_users():
        lines = contact_lines(user)
        put(
            Path(user.name, user.integrations["contacts"], "contacts", "contacts.jsonl"),
            b"\n".join(lines) + b"\n",
        )
        contacts[user.name] = len(lines)
        user_tickets = ticket_files(user)
        for name, data in user_tickets:
            put(Path(user.name, user.integrations["tickets"], "tickets", name), data)
        tickets[user.name] = len(user_tickets)
    return CorpusSummary(
        root=dest,
        documents={user: dict(sorted(c.items())) for user, c in sorted(documents_by_user.items())},
        sizes=dict(sizes),
        contacts=contacts,
        tickets=tickets,
        permission_files=permission_files,
        files_written=written,
        files_unchanged=unchanged,
        total_bytes=total_bytes,
        words=words,
    )
