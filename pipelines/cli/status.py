"""`syncrag status`: per user and sync: status, cursor age, records by state, recent errors."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

from pipelines.cli import runtime
from pipelines.cli.tables import add_plain_row, columns_that_fit, fitted_table, room_for
from resources.state import RecordState

# Purged records are history (gone upstream and from the index): not shown.
_STATES = (
    RecordState.PENDING,
    RecordState.INDEXED,
    RecordState.ERRORED,
    RecordState.DELETED,
)

# The latest errored records listed per user; the rest are counted.
ERRORS_SHOWN = 10


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "status",
        help="show syncs, cursors and records by state",
        description="Per user and sync: the sync's status, when it was last pulled, its records "
        "by state (folders, which hold nothing to search, are not counted as indexed), and the "
        "latest errors.",
    )
    parser.add_argument("--user", default=None, help="only this user")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    if args.user is not None:
        store = runtime.known_user_state_store(args.user)
    else:
        store = runtime.existing_state_store()
    if store is None:
        return _no_syncs_yet(console)
    try:
        syncs = store.list_syncs(args.user)
        if not syncs:
            return _no_syncs_yet(console)
        counts = store.counts_by_state(args.user)
        textless = store.textless_indexed_counts(args.user)
        # On a narrow terminal, columns go rather than headers being cut.
        columns = columns_that_fit(
            ("user", "sync", "status", "pulled", *_STATES),
            console.width,
            drop_first=(RecordState.DELETED, "pulled", "status"),
        )
        # A sync's name wraps last: "googledrive/files" reads badly as "googledrive/file|s".
        longest = max(len(f"{s.integration}/{s.pipeline}") for s in syncs)
        states = [state for state in _STATES if state in columns]
        table = fitted_table(
            "syncrag status",
            columns,
            numeric=states,
            keep={"sync": longest} if longest <= room_for("sync", columns, console.width) else {},
        )
        notes: list[str] = []
        for sync in syncs:
            by_state = dict(counts.get(sync.sync_id, {}))
            name = f"{sync.integration}/{sync.pipeline}"
            folders = textless.get(sync.sync_id, 0)
            by_state[RecordState.INDEXED] = by_state.get(RecordState.INDEXED, 0) - folders
            cells: dict[str, object] = {
                "user": sync.user_id,
                "sync": name,
                "status": sync.status,
                "pulled": _age(sync.cursor_updated_at),
                **{state: by_state.get(state, 0) for state in _STATES},
            }
            add_plain_row(table, [cells[column] for column in columns])
            if sync.reason:
                notes.append(f"{sync.user_id} {name} is {sync.status}: {sync.reason}")
            if folders:
                notes.append(
                    f"{sync.user_id} {name}: {folders} folder(s) or other records without text, "
                    "not counted as indexed."
                )
        console.print(table)
        for note in notes:
            console.print(Text(note))
        for user in sorted({s.user_id for s in syncs}):
            shown = store.errored_records(user, limit=ERRORS_SHOWN)
            for record in shown:
                line = Text("errored ", style="red")
                line.append(f"{user}: {record.name or record.record_id}: {record.error}")
                console.print(line)
            errored = sum(
                counts.get(s.sync_id, {}).get(RecordState.ERRORED, 0)
                for s in syncs
                if s.user_id == user
            )
            if errored > len(shown):
                line = Text("errored ", style="red")
                line.append(f"{user}: and {errored - len(shown)} more")
                console.print(line)
    finally:
        store.close()
    return 0


def _no_syncs_yet(console: Console) -> int:
    console.print(
        f"No syncs yet in {runtime.state_location()}: enable one with `syncrag enable`.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 0


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60}m ago"
    if seconds < 172800:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"
