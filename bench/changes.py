"""The changes the scenarios make to a corpus: which documents, chosen by seed, and the edits."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from bench.corpus import BenchCorpus, BenchDocument
from demo import EDITABLE_FORMATS, UnsupportedEditError, edit_one_paragraph, insert_paragraph_at_top

TOP_PARAGRAPH = (
    "Added at the top for the benchmark: this paragraph was inserted above everything else, so "
    "every later paragraph of the document moves down by one position."
)


@dataclass(frozen=True)
class ChangePlan:
    """What each change scenario touches."""

    edits: tuple[BenchDocument, ...]
    top_insert: BenchDocument | None
    deletions: tuple[BenchDocument, ...]


def share_of(total: int, share: float) -> int:
    """`share` of `total` documents, rounded up, and at least one when there are any."""
    if total <= 0:
        return 0
    return min(total, max(1, math.ceil(total * share - 1e-9)))


def plan_changes(
    corpus: BenchCorpus, *, seed: int, edit_share: float = 0.01, delete_share: float = 0.05
) -> ChangePlan:
    """Edits go to documents of editable formats (md, txt, html), the top insertion to the longest
    of them; deletions are drawn from the rest, so that no scenario undoes another's change."""
    rng = random.Random(seed)
    documents = list(corpus.documents)
    editable = [d for d in documents if d.fmt in EDITABLE_FORMATS]
    top = max(editable, key=lambda d: (d.words, d.external_id), default=None)
    candidates = [d for d in editable if d is not top]
    edits = rng.sample(candidates, min(len(candidates), share_of(len(documents), edit_share)))
    untouched = [d for d in documents if d is not top and d not in edits]
    deletions = rng.sample(untouched, min(len(untouched), share_of(len(documents), delete_share)))
    return ChangePlan(
        edits=tuple(sorted(edits, key=_key)),
        top_insert=top,
        deletions=tuple(sorted(deletions, key=_key)),
    )


def apply_edits(documents: tuple[BenchDocument, ...], *, seed: int) -> list[BenchDocument]:
    """Changes one paragraph of each document; returns those that had a paragraph to change."""
    edited: list[BenchDocument] = []
    for offset, document in enumerate(documents):
        try:
            edit_one_paragraph(document.path, seed + offset)
        except UnsupportedEditError:
            continue
        edited.append(document)
    return edited


def apply_top_insert(document: BenchDocument) -> None:
    insert_paragraph_at_top(document.path, TOP_PARAGRAPH)


def apply_deletions(documents: tuple[BenchDocument, ...]) -> None:
    for document in documents:
        document.path.unlink(missing_ok=True)


def _key(document: BenchDocument) -> tuple[str, str]:
    return (document.user, document.external_id)
