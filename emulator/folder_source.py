"""The source of truth: records read from `<root>/<user>/<integration>/<pipeline>/` on disk."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from emulator.mime_types import mime_type_of
from emulator.source_paths import open_source_file, read_source_bytes, walk_source
from emulator.timestamps import iso

logger = logging.getLogger("syncrag.emulator")

PipelineKind = Literal["files", "crm", "tickets"]
_KINDS: dict[str, PipelineKind] = {
    "files": "files",
    "contacts": "crm",
    "companies": "crm",
    "deals": "crm",
    "custom_objects": "crm",
    "tickets": "tickets",
}
SUPPORTED_PIPELINES = tuple(_KINDS)
FILE_URL_BASE = "https://drive.example/"
ROOT_FOLDER_ID = "root"


def pipeline_kind(pipeline: str) -> PipelineKind:
    """Which reader serves `pipeline`; raises ValueError for a pipeline the emulator lacks."""
    try:
        return _KINDS[pipeline]
    except KeyError:
        raise ValueError(
            f"Unsupported pipeline {pipeline!r}; use one of {', '.join(SUPPORTED_PIPELINES)}."
        ) from None


@dataclass(frozen=True)
class KnownFile:
    """What the previous scan saw of a file, so an unchanged file is not hashed again."""

    mtime_ns: int
    size: int
    fingerprint: str
    hashed_at: float


@dataclass
class SourceItem:
    """One record as the source holds it now (no `id`: the sync assigns it)."""

    external_id: str
    fingerprint: str
    fields: dict[str, Any]
    path: str
    created_fallback: float
    mtime_ns: int = 0
    size: int = 0
    hashed_at: float = 0.0


@dataclass
class SourceScan:
    """Everything found under a sync's folder in one pass."""

    items: dict[str, SourceItem] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def sha256_of_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open_source_file(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _canonical_hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# File systems stamp mtimes coarsely: a file hashed within this many seconds of its mtime may
# have been rewritten since with the same mtime and size, so it is hashed again (as git does).
RACY_WINDOW_S = 2.0


def _file_item(path: Path, rel: str, known: KnownFile | None, now: float) -> SourceItem:
    # lstat: a file swapped for a link since the walk must not lend it the target's metadata.
    stat = path.lstat()
    if (
        known is not None
        and known.mtime_ns == stat.st_mtime_ns
        and known.size == stat.st_size
        and stat.st_mtime < known.hashed_at - RACY_WINDOW_S
    ):
        digest, hashed_at = known.fingerprint, known.hashed_at
    else:
        digest, hashed_at = sha256_of_file(path), now
    parent = rel.rpartition("/")[0] or ROOT_FOLDER_ID
    fields: dict[str, Any] = {
        "externalId": rel,
        "name": path.name,
        "mimeType": mime_type_of(path.name),
        "size": stat.st_size,
        "url": FILE_URL_BASE + quote(rel),
        "createdAt": None,
        "updatedAt": iso(stat.st_mtime),
        "hash": {"sha256": digest},
        "parentFolderId": parent,
    }
    return SourceItem(
        rel, digest, fields, rel, stat.st_mtime, stat.st_mtime_ns, stat.st_size, hashed_at
    )


def _scan_files(folder: Path, known: Mapping[str, KnownFile], now: float, scan: SourceScan) -> None:
    for path, rel in walk_source(folder, None, scan.problems):
        try:
            scan.items[rel] = _file_item(path, rel, known.get(rel), now)
        except OSError as error:
            # A file removed or unreadable mid-scan is simply not seen this time.
            scan.problems.append(f"{rel}: {error.strerror}")


def _scan_crm(folder: Path, now: float, scan: SourceScan) -> None:
    for path, rel in walk_source(folder, (".jsonl",), scan.problems):
        try:
            lines = read_source_bytes(path).decode("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            scan.problems.append(f"{rel}: unreadable ({error})")
            continue
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                scan.problems.append(f"{rel}:{number}: not valid JSON")
                continue
            external = raw.get("externalId") if isinstance(raw, dict) else None
            if not isinstance(external, str | int) or external == "":
                scan.problems.append(f"{rel}:{number}: object without an externalId")
                continue
            fields = {k: v for k, v in raw.items() if k != "id"}
            fields["externalId"] = str(external)
            fields.setdefault("createdAt", None)
            fields.setdefault("updatedAt", None)
            item = SourceItem(str(external), _canonical_hash(raw), fields, rel, now)
            if item.external_id in scan.items:
                scan.problems.append(f"{rel}:{number}: duplicate externalId {external}; last wins")
            scan.items[item.external_id] = item


_TICKET_OPTIONAL = (
    "description",
    "createdBy",
    "tags",
    "dueAt",
    "resolvedAt",
    "externalUrl",
    "project",
    "createdAt",
    "updatedAt",
)


def ticket_fields(raw: Mapping[str, Any], external_id: str) -> dict[str, Any]:
    """The Ticket schema fields of a raw ticket object (`originalRecord` keeps the raw object)."""
    status = raw.get("status")
    fields: dict[str, Any] = {
        "externalId": external_id,
        "title": raw.get("title") or external_id,
        # The schema types status as an object; a plain label becomes {"name": label}.
        "status": status if isinstance(status, dict) else {"name": status},
        "priority": raw.get("priority", "normal"),
        "type": raw.get("type", "task"),
        "assignees": list(raw.get("assignees") or []),
        "originalRecord": dict(raw),
    }
    for name in _TICKET_OPTIONAL:
        fields[name] = raw.get(name)
    return {k: v for k, v in fields.items() if v is not None or k in ("createdAt", "updatedAt")}


def read_ticket(path: Path) -> dict[str, Any]:
    """The raw ticket object stored in `path`; raises ValueError when it is not a JSON object."""
    try:
        raw = json.loads(read_source_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path.name} is not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name} must hold one JSON object per ticket.")
    return raw


def _scan_tickets(folder: Path, now: float, scan: SourceScan) -> None:
    for path, rel in walk_source(folder, (".json",), scan.problems):
        try:
            raw = read_ticket(path)
        except (OSError, ValueError) as error:
            scan.problems.append(f"{rel}: {error}")
            continue
        # A ticket file without externalId is named by its path, like a file.
        external = str(raw.get("externalId") or rel.removesuffix(".json"))
        fields = ticket_fields(raw, external)
        scan.items[external] = SourceItem(external, _canonical_hash(raw), fields, rel, now)


def scan_source(
    folder: Path | None, pipeline: str, known: Mapping[str, KnownFile], now: float
) -> SourceScan:
    """Read every record of `pipeline` under `folder` (a missing folder holds no records)."""
    scan = SourceScan()
    if folder is None:
        return scan
    kind = pipeline_kind(pipeline)
    if kind == "files":
        _scan_files(folder, known, now, scan)
    elif kind == "crm":
        _scan_crm(folder, now, scan)
    else:
        _scan_tickets(folder, now, scan)
    for problem in scan.problems:
        logger.warning("Source %s: %s", folder, problem)
    return scan
