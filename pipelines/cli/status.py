"""`syncrag status`: per user and sync: status, cursor age, records by state, recent errors."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from pipelines.cli import runtime


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("status", help="show syncs, cursors and records by state")
    parser.add_argument("--user", default=None, help="only this user")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console()
    store = runtime.state_store()
    try:
        syncs = store.list_syncs(args.user)
        if not syncs:
            console.print("No syncs yet: enable one with `syncrag enable`.")
            return 0
        counts = store.counts_by_state(args.user)
        table = Table(title="syncrag status")
        for column in (
            "user",
            "sync",
            "status",
            "cursor age",
            "pending",
            "indexed",
            "errored",
            "deleted",
            "purged",
        ):
            table.add_column(column)
        for sync in syncs:
            by_state = counts.get(sync.sync_id, {})
            table.add_row(
                sync.user_id,
                f"{sync.integration}/{sync.pipeline}",
                sync.status + (f"\n{sync.reason}" if sync.reason else ""),
                _age(sync.cursor_updated_at),
                *(
                    str(by_state.get(s, 0))
                    for s in ("pending", "indexed", "errored", "deleted", "purged")
                ),
            )
        console.print(table)
        users = sorted({s.user_id for s in syncs})
        for user in users:
            for record in store.errored_records(user, limit=10):
                console.print(f"[red]errored[/red] {user}: {record.name}: {record.error}")
    finally:
        store.close()
    return 0


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "never pulled"
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
