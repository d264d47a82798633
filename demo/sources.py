"""The authored sample corpus on disk: users, their Markdown sources with render headers, contacts
and tickets, read and checked into plain records."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from demo.blocks import Heading, ListBlock, Paragraph, Table, parse_blocks, plain_text
from demo.errors import CorpusSourceError
from demo.render import FORMATS

__all__ = [
    "CORPUS_DIR",
    "Permissions",
    "SampleDocument",
    "SampleUser",
    "authored_documents",
    "check_facts",
    "contact_lines",
    "normalize_space",
    "parse_source",
    "sample_users",
    "ticket_files",
]

CORPUS_DIR = Path(__file__).parent / "corpus"
_HEADER = re.compile(r"\A---\n(?P<header>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
_ROLES = ("can_read", "can_write", "is_owner")
_PRIORITIES = frozenset({"low", "normal", "high", "urgent"})


@dataclass(frozen=True)
class Permissions:
    """Who may read, write and own a file: the emulator reads these from a sidecar file."""

    can_read: tuple[str, ...]
    can_write: tuple[str, ...]
    is_owner: tuple[str, ...]

    def sidecar_bytes(self) -> bytes:
        """The `<file>.permissions.json` sidecar the emulator reads."""
        data = {role: list(getattr(self, role)) for role in _ROLES}
        return (json.dumps(data, indent=2) + "\n").encode()


@dataclass(frozen=True)
class SampleUser:
    """A user of the sample corpus and the integration that serves each of their pipelines."""

    name: str
    email: str
    organisation: str
    integrations: dict[str, str]  # pipeline (files, contacts, tickets) -> integration


@dataclass(frozen=True)
class SampleDocument:
    """One document of the corpus: Markdown to render, where it goes, what a reader can find."""

    user: str
    path: PurePosixPath  # relative to the corpus root: <user>/<integration>/files/.../<name>.<fmt>
    fmt: str
    title: str
    markdown: str
    facts: tuple[str, ...]  # phrases that survive rendering in this format
    permissions: Permissions | None = None


def normalize_space(text: str) -> str:
    """Text with every run of whitespace made one space, for comparing across layouts."""
    return " ".join(text.split())


def sample_users() -> list[SampleUser]:
    """The users of the bundled corpus, in name order."""
    raw = json.loads((CORPUS_DIR / "users.json").read_text())
    return [
        SampleUser(name, entry["email"], entry["organisation"], dict(entry["integrations"]))
        for name, entry in sorted(raw.items())
    ]


def parse_source(text: str, *, origin: str) -> tuple[dict[str, str], str]:
    """The header fields and the Markdown body of an authored source.

    A source opens with a header between `---` lines of `key: value` pairs: `format`, `title`,
    `facts` (separated by `;`) and optionally `can_read`, `can_write`, `is_owner` (emails
    separated by `,`).
    """
    match = _HEADER.match(text)
    if match is None:
        raise CorpusSourceError(f"{origin}: a source must open with a '---' header block")
    header: dict[str, str] = {}
    for line in match["header"].splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            raise CorpusSourceError(f"{origin}: header line {line!r} is not 'key: value'")
        header[key.strip()] = value.strip()
    for key in ("format", "title", "facts"):
        if not header.get(key):
            raise CorpusSourceError(f"{origin}: header needs a '{key}' line")
    if header["format"] not in FORMATS:
        raise CorpusSourceError(
            f"{origin}: format {header['format']!r} is not one of {', '.join(FORMATS)}"
        )
    return header, match["body"].lstrip("\n")


def check_facts(markdown: str, fmt: str, facts: tuple[str, ...], *, origin: str) -> None:
    """Raise unless every fact is in the text that format `fmt` carries (CSV: tables only)."""
    texts: list[str] = []
    for block in parse_blocks(markdown):
        if isinstance(block, Table):
            texts.extend(" ".join(row) for row in (block.header, *block.rows))
        elif fmt == "csv":
            continue
        elif isinstance(block, (Paragraph, Heading)):
            texts.append(plain_text(block.spans))
        elif isinstance(block, ListBlock):
            texts.extend(plain_text(item.spans) for item in block.items)
    carried = normalize_space("\n".join(texts))
    for fact in facts:
        if normalize_space(fact) not in carried:
            raise CorpusSourceError(f"{origin}: fact {fact!r} is not in the text a {fmt} keeps")


def authored_documents(user: SampleUser) -> list[SampleDocument]:
    """The user's hand-written documents, from `corpus/<user>/files/**/*.md`."""
    root = CORPUS_DIR / user.name / "files"
    documents = []
    for source in sorted(root.rglob("*.md")):
        origin = str(source.relative_to(CORPUS_DIR))
        header, body = parse_source(source.read_text(encoding="utf-8"), origin=origin)
        fmt = header["format"]
        facts = tuple(fact.strip() for fact in header["facts"].split(";") if fact.strip())
        check_facts(body, fmt, facts, origin=origin)
        relative = source.relative_to(root).with_suffix(f".{fmt}")
        path = PurePosixPath(user.name, user.integrations["files"], "files", relative.as_posix())
        documents.append(
            SampleDocument(user.name, path, fmt, header["title"], body, facts, _permissions(header))
        )
    return documents


def _permissions(header: dict[str, str]) -> Permissions | None:
    if not any(header.get(role) for role in _ROLES):
        return None
    lists = [
        tuple(email.strip() for email in header.get(role, "").split(",") if email.strip())
        for role in _ROLES
    ]
    return Permissions(*lists)


def contact_lines(user: SampleUser) -> list[bytes]:
    """The user's contacts, one JSON object a line, checked for the fields the emulator needs."""
    source = CORPUS_DIR / user.name / "contacts.jsonl"
    lines = [line for line in source.read_bytes().splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        contact = json.loads(line)
        if not contact.get("externalId"):
            raise CorpusSourceError(f"{source.name} line {number}: a contact needs an externalId")
    return lines


def ticket_files(user: SampleUser) -> list[tuple[str, bytes]]:
    """The user's tickets as (file name, bytes), checked against the ticket fields."""
    tickets = []
    for source in sorted((CORPUS_DIR / user.name / "tickets").glob("*.json")):
        data = source.read_bytes()
        ticket = json.loads(data)
        origin = f"{user.name}/tickets/{source.name}"
        if not ticket.get("externalId") or not ticket.get("title"):
            raise CorpusSourceError(f"{origin}: a ticket needs an externalId and a title")
        if ticket.get("priority") not in _PRIORITIES:
            raise CorpusSourceError(f"{origin}: priority must be one of {sorted(_PRIORITIES)}")
        if not isinstance(ticket.get("status"), dict) or "name" not in ticket["status"]:
            raise CorpusSourceError(f"{origin}: status must be an object with a 'name'")
        tickets.append((source.name, data))
    return tickets
