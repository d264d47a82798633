"""`python -m bench scale`: options, progress lines, and the results in bench/results/scale-*."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ceiling import DEFAULT_BACKEND
from bench.scale_report import (
    ScaleResult,
    burst_json,
    burst_table,
    to_json,
    verdict_table,
    verdicts,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench scale",
        description="N users, one change each at once, through the live stack (issue 10).",
    )
    parser.add_argument("--users", type=int, default=1000, help="users (default 1,000)")
    parser.add_argument("--docs-per-user", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tick-partitions", type=int, default=10_000)
    parser.add_argument("--tick-inbox-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--batch-users",
        type=int,
        default=None,
        help="users per batch run (SYNCRAG_RUN_BATCH_USERS; default: the setting's default)",
    )
    parser.add_argument("--skip-burst", action="store_true", help="only the sensor tick bench")
    parser.add_argument("--skip-tick", action="store_true", help="no sensor tick bench")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=None,
        help="Dagster's instance and the state DB in fresh databases on this server "
        "(dropped afterwards), e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    parser.add_argument("--workdir", type=Path, default=None, help="keep scratch files here")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.users < 1 or args.docs_per_user < 1:
        raise SystemExit("--users and --docs-per-user must be at least 1")
    command = shlex.join(["python", "-m", "bench", "scale", *argv])
    print(f"syncrag scale bench: {command}", flush=True)
    payload: dict[str, Any] = {
        "command": command,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    bursts: list[ScaleResult] = []
    if not args.skip_burst:
        from bench.scale import measure_scale
        from bench.scale_stack import PostgresDatabases

        with contextlib.ExitStack() as scope:
            scratch = scope.enter_context(tempfile.TemporaryDirectory(prefix="syncrag-scale-"))
            workdir = args.workdir or Path(scratch)
            workdir.mkdir(parents=True, exist_ok=True)
            postgres = (
                scope.enter_context(PostgresDatabases(args.postgres)) if args.postgres else None
            )
            burst = measure_scale(
                workdir,
                repo_root=REPO_ROOT,
                users=args.users,
                docs_per_user=args.docs_per_user,
                backend=DEFAULT_BACKEND,
                seed=args.seed,
                postgres=postgres,
                batch_users=args.batch_users,
                say=lambda line: print(line, flush=True),
            )
        bursts.append(burst)
        payload["burst"] = burst_json(burst)
    tick_worst: float | None = None
    tick_scale = f"{args.tick_partitions:,} partitions / {args.tick_inbox_rows:,} inbox rows"
    if not args.skip_tick:
        from bench.scale_tick import measure_sensor_tick

        print(f"  sensor tick at {tick_scale} ...", flush=True)
        tick = measure_sensor_tick(args.tick_partitions, args.tick_inbox_rows)
        tick_worst = tick.worst_seconds
        payload["sensor_tick"] = {
            "partitions": tick.partitions,
            "inbox_rows": tick.inbox_rows,
            "insert_seconds": tick.insert_seconds,
            "ticks": [vars(t) for t in tick.ticks],
        }
        for t in tick.ticks:
            print(f"    {t.label}: {t.seconds:.3f} s, {t.run_requests} run requests", flush=True)
    judged = verdicts(bursts, tick_worst, tick_scale)
    payload["targets"] = [vars(v) for v in judged]
    stem = f"scale-{args.users}" if bursts else "scale-tick"
    if bursts and args.postgres:
        stem += "-postgres"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(to_json(payload), encoding="utf-8")
    lines = [f"# Scale: `{command}`", ""]
    if bursts:
        lines += [*burst_table(bursts), ""]
    lines += [*verdict_table(judged), ""]
    (args.out / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines), flush=True)
    print(f"results: {args.out / stem}.json, .md")
    return 0
