"""Plans a record's points: one per chunk, with ids that stay put while the chunk text does, and
the lexical vector of each (computed from the text, no model)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from resources.state import LedgerRecord
from resources.text import Chunk
from resources.vectors import READERS_FIELD, SparseVector, document_vector, point_id_for


@dataclass(frozen=True)
class PlannedPoint:
    """A chunk of a record with the id, payload and lexical vector its point must have in the
    index (`sparse` None when the collection holds no lexical vectors)."""

    id: str
    text: str
    payload: dict[str, Any]
    sparse: SparseVector | None = None


def plan_points(
    record: LedgerRecord,
    chunks: Sequence[Chunk],
    *,
    readers: Sequence[str] | None = None,
    lexical: bool = True,
) -> list[PlannedPoint]:
    """Points for a record's chunks; `readers` (permission hints) go on every point, and None
    leaves the field out ("unknown"). With `lexical`, each carries the lexical vector of its
    headings and text (`lexical_text`).

    The id hashes (user, sync, record, chunk text, occurrence), so an edit elsewhere in the
    document leaves an unchanged chunk's point, and its embedding, where it is; a change of
    payload only (new hints, a new title) re-writes the point with its old vector.
    """
    seen: Counter[str] = Counter()
    planned: list[PlannedPoint] = []
    for chunk in chunks:
        occurrence = seen[chunk.text]
        seen[chunk.text] += 1
        point_id = point_id_for(
            record.user_id, record.sync_id, record.record_id, chunk.text, occurrence
        )
        payload = _payload(record, chunk)
        if readers is not None:
            payload[READERS_FIELD] = list(readers)
        sparse = document_vector(lexical_text(chunk)) if lexical else None
        planned.append(PlannedPoint(id=point_id, text=chunk.text, payload=payload, sparse=sparse))
    return planned


def lexical_text(chunk: Chunk) -> str:
    """What a chunk's lexical vector counts: its heading path (the record's title first), then
    its text. The headings make a chunk findable by the names of the sections it sits in, as a
    reader of the page would find it, though its own text may never repeat them."""
    return "\n".join((*chunk.heading_path, chunk.text))


def _payload(record: LedgerRecord, chunk: Chunk) -> dict[str, Any]:
    return {
        "user_id": record.user_id,
        "sync_id": record.sync_id,
        "record_id": record.record_id,
        "external_id": record.external_id,
        "chunk_index": chunk.index,
        "text": chunk.text,
        "heading_path": list(chunk.heading_path),
        "title": record.name,
        "url": record.url,
        "mime_type": record.mime_type,
        "updated_at": record.source_updated_at,
    }
