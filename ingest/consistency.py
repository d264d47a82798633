"""Checks that a user's points agree with the ledger: the index is exactly what the ledger says."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from resources.state import RecordState, StateStore
from resources.vectors import VectorStore

MAX_EXAMPLES = 10


@dataclass
class ConsistencyReport:
    """Disagreements between the ledger and the index for one user."""

    user_id: str
    points: int = 0
    indexed_records: int = 0
    wrong_point_counts: list[str] = field(default_factory=list)
    points_of_removed_records: list[str] = field(default_factory=list)
    orphan_points: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.wrong_point_counts or self.points_of_removed_records or self.orphan_points)

    def summary(self) -> str:
        if self.ok:
            return f"{self.points} points match {self.indexed_records} indexed records"
        return (
            f"{len(self.wrong_point_counts)} records with the wrong number of points, "
            f"{len(self.points_of_removed_records)} removed records still with points, "
            f"{len(self.orphan_points)} points without a ledger row"
        )


def check_user_index(state: StateStore, store: VectorStore, user_id: str) -> ConsistencyReport:
    """Points per indexed record = its chunk count; none for purged, errored or unknown records."""
    report = ConsistencyReport(user_id=user_id)
    per_record: Counter[tuple[str, str]] = Counter()
    with store.open() as index:
        for point in index.scroll(user_id):
            per_record[
                (str(point.payload.get("sync_id")), str(point.payload.get("record_id")))
            ] += 1
    report.points = sum(per_record.values())

    pages = state.record_pages(user_id, list(RecordState))
    ledger = {r.key: r for r in itertools.chain.from_iterable(pages)}
    for key, record in ledger.items():
        have = per_record.get(key, 0)
        if record.state == RecordState.INDEXED:
            report.indexed_records += 1
            if have != record.chunk_count:
                _note(
                    report.wrong_point_counts,
                    f"{record.name or key[1]}: {have} points, {record.chunk_count} chunks",
                )
        elif record.state in (RecordState.PURGED, RecordState.ERRORED) and have:
            _note(
                report.points_of_removed_records,
                f"{record.name or key[1]} ({record.state}): {have} points",
            )
    for key, count in per_record.items():
        if key not in ledger:
            _note(report.orphan_points, f"record {key[1]} of sync {key[0]}: {count} points")
    return report


def _note(bucket: list[str], text: str) -> None:
    if len(bucket) < MAX_EXAMPLES:
        bucket.append(text)
