"""The size of a user's index after a run, as materialization metadata: records by state in the
ledger and, for `vector_index`, the user's points.

A run's counters are deltas, so a run with nothing to do reads 0 everywhere; these totals are
read after the run and stay true whatever the run did, so the latest materialization of a
partition always shows how big the user's index is.
"""

from __future__ import annotations

from typing import Any

from resources.state import RecordState, StateStore

ROW_COUNT = "dagster/row_count"
# Ledger states of records the user still has upstream; deleted and purged rows are tombstones.
LIVE_STATES = (RecordState.PENDING, RecordState.INDEXED, RecordState.ERRORED)


def ledger_totals(store: StateStore, user_id: str) -> dict[str, int]:
    """`ledger_<state>`: the user's ledger rows in each state, every sync together."""
    totals = {state: 0 for state in RecordState}
    for by_state in store.counts_by_state(user_id).values():
        for state in RecordState:
            totals[state] += by_state.get(state.value, 0)
    return {f"ledger_{state.value}": count for state, count in totals.items()}


def live_records(totals: dict[str, int]) -> int:
    """Records the user still has upstream (rows neither deleted nor purged)."""
    return sum(totals[f"ledger_{state.value}"] for state in LIVE_STATES)


def synced_records_size(store: StateStore, user_id: str) -> dict[str, Any]:
    """`synced_records`' totals: ledger rows by state; row count = records still synced."""
    totals = ledger_totals(store, user_id)
    return {**totals, ROW_COUNT: live_records(totals)}


def vector_index_size(store: StateStore, user_id: str, points: int) -> dict[str, Any]:
    """`vector_index`' totals: ledger rows by state and the user's points; row count = points."""
    return {**ledger_totals(store, user_id), "points": points, ROW_COUNT: points}
