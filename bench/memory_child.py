"""The process the memory scenario measures: ingests every user of an emulated corpus, then
prints one JSON line with its own peak RSS (`python -m bench.memory_child --help`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.ceiling import DEFAULT_BACKEND
from ingest import Indexer, pull_user
from resources.embedding import Embedder, FakeEmbedder, embedder_from_settings
from resources.state import StateStore
from resources.sync_api import SyncApiClient, UserTokenSigner
from resources.text import MarkdownChunker
from resources.vectors import EdgeVectorStore, collection_name_for

PROJECT_ID = "5e1f3c2a-9d4b-4c6e-8a7f-2b3c4d5e6f70"
KIB = 1024


def peak_rss_mib(status: str) -> float:
    """VmHWM (the peak resident set of this process image) from /proc/self/status text, in MiB.

    Not `getrusage(RUSAGE_SELF).ru_maxrss`: Linux keeps that across execve, so a child started
    by a large parent reports the parent's peak.
    """
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / KIB
    raise ValueError("no VmHWM line in /proc/self/status")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.memory_child")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--key-path", required=True, type=Path)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--user", action="append", required=True)
    parser.add_argument("--embedder", choices=("fake", "real"), default="fake")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # 384 dimensions and 256 tokens, like all-MiniLM-L6-v2, so points weigh what real ones do.
    embedder: Embedder = (
        embedder_from_settings(DEFAULT_BACKEND, None, "cpu", 32)
        if args.embedder == "real"
        else FakeEmbedder(384, 256)
    )
    args.workdir.mkdir(parents=True, exist_ok=True)
    state = StateStore.open(f"sqlite:///{args.workdir / 'state.db'}")
    client = SyncApiClient(
        args.api_url, UserTokenSigner(args.key_path.read_text(), PROJECT_ID), timeout=120.0
    )
    store = EdgeVectorStore(
        args.workdir / "qdrant",
        collection_name_for(embedder.model_name, embedder.dimension),
        embedder.dimension,
    )
    indexer = Indexer(
        client=client,
        state=state,
        chunker=MarkdownChunker(embedder.count_tokens, embedder.max_tokens),
        embedder=embedder,
        store=store,
    )
    started = time.perf_counter()
    chunks = records = 0
    try:
        for user in args.user:
            pull_user(client, state, user)
            report = indexer.index_user(user)
            chunks += report.chunks_total
            records += report.records_indexed
    finally:
        client.close()
        state.close()
    peak = peak_rss_mib(Path("/proc/self/status").read_text())
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "records": records,
                "chunks": chunks,
                "peak_rss_mib": peak,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
