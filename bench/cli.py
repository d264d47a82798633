"""`python -m bench` (`make bench`): options, progress lines, and where the results went."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.results import BenchResults
from bench.run import BenchConfig, run_benchmarks, write_outputs
from bench.targets import evaluate_targets
from resources.embedding import BACKENDS


def build_parser() -> argparse.ArgumentParser:
    defaults = BenchConfig()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="syncrag side by side with the model alone, LangChain's indexing API and "
        "LlamaIndex's IngestionPipeline.",
        epilog="`python -m bench scale --users N`: many users through the live stack "
        "(see `python -m bench scale --help`).",
    )
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (1 user x 12 docs)")
    parser.add_argument(
        "--scale", type=int, default=1, help="multiply the documents per user (default 1)"
    )
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--docs-per-user", type=int, default=defaults.docs_per_user)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--rounds",
        type=int,
        default=defaults.rounds,
        help=f"rounds per corpus, each in another order (default {defaults.rounds})",
    )
    parser.add_argument(
        "--large-scale",
        type=int,
        default=defaults.change_scale,
        help="the change scenarios again on this many times the synthetic documents "
        f"(default {defaults.change_scale})",
    )
    parser.add_argument(
        "--large-rounds",
        type=int,
        default=defaults.rounds_large,
        help=f"rounds on the large corpus (default {defaults.rounds_large}; 0 skips it)",
    )
    parser.add_argument(
        "--python-docs-limit",
        type=int,
        default=defaults.python_docs_limit,
        help="reST pages of python3.11-doc in the python-docs corpus, where installed "
        f"(default {defaults.python_docs_limit})",
    )
    parser.add_argument(
        "--latency-changes",
        type=int,
        default=defaults.latency_changes,
        help="changes timed through the live stack (default 20)",
    )
    parser.add_argument("--skip-latency", action="store_true", help="do not start Dagster")
    parser.add_argument("--skip-memory", action="store_true", help="no 1x/10x memory runs")
    parser.add_argument(
        "--memory-embedder",
        choices=("fake", "real"),
        default=defaults.memory_embedder,
        help="embedder of the memory runs (default fake: the real one takes ~10x the ingest)",
    )
    parser.add_argument(
        "--embedding-backend",
        choices=[b for b in BACKENDS if b != "fake"],
        default=defaults.embedding_backend,
        help="runtime of syncrag, the ceiling and the peers alike "
        f"(default {defaults.embedding_backend}, syncrag's default)",
    )
    parser.add_argument("--out", type=Path, default=defaults.out_dir, help="results folder")
    parser.add_argument(
        "--no-docs", action="store_true", help="leave docs/benchmarks.md alone (--quick implies it)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep scratch files here")
    parser.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="JSON",
        help="measure nothing: render a results JSON again (Markdown, plot, docs page)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    if min(args.scale, args.users, args.docs_per_user, args.rounds, args.python_docs_limit) < 1:
        raise SystemExit(
            "--scale, --users, --docs-per-user, --rounds and --python-docs-limit must be at least 1"
        )
    if args.large_rounds < 0 or args.large_scale < 1:
        raise SystemExit("--large-rounds must be at least 0 and --large-scale at least 1")
    config = BenchConfig(
        users=args.users,
        docs_per_user=args.docs_per_user,
        seed=args.seed,
        scale=args.scale,
        rounds=args.rounds,
        change_scale=args.large_scale,
        rounds_large=args.large_rounds,
        python_docs_limit=args.python_docs_limit,
        latency_changes=args.latency_changes,
        memory_embedder=args.memory_embedder,
        embedding_backend=args.embedding_backend,
        run_memory=not args.skip_memory,
        run_latency=not args.skip_latency,
        out_dir=args.out,
        docs_path=None if args.no_docs or args.quick else BenchConfig().docs_path,
        workdir=args.workdir,
    )
    if args.quick:
        config = replace(
            config,
            quick=True,
            users=1,
            docs_per_user=12,
            latency_changes=3,
            python_docs_limit=min(args.python_docs_limit, 8),
            rounds=min(args.rounds, 2),
            rounds_large=min(args.large_rounds, 1),
        )
    return config


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["scale"]:
        from bench.scale_cli import main as scale_main  # its own options: `scale --help`

        return scale_main(given[1:])
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    if args.render is not None:
        results = BenchResults.from_json(args.render.read_text(encoding="utf-8"))
        # Targets are judged again: the rules may have been fixed since the run.
        results.targets = evaluate_targets(results)
        if results.mode == "quick":
            config = replace(config, quick=True, docs_path=None)
    else:
        print(f"syncrag benchmark ({config.mode}): {command}", flush=True)
        results = run_benchmarks(config, command=command, say=lambda line: print(line, flush=True))
    paths = write_outputs(results, config)
    print()
    for target in results.targets:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[target.met]
        measured = "-" if target.measured is None else f"{target.measured:.3g}"
        print(f"  {verdict:>12}  {target.name}: {measured} (bound {target.bound})")
    if args.render is not None:
        print(f"\nRendered the run of {results.started_at} again:")
    else:
        print(f"\nDone in {results.seconds / 60:.1f} min:")
    for kind, path in paths.items():
        print(f"  {kind}: {path}")
    return 0
