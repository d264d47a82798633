"""The memory scenario: a fresh process ingests the corpus at 1x and at 10x; compare peak RSS.

Each size runs in its own subprocess, which reports its own peak RSS (VmHWM); the emulator that
serves it runs in a process of its own, so its memory is not counted as syncrag's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.corpus import build_synthetic_corpus
from bench.results import MemoryRun
from bench.stack import EmulatedSyncApi

CHILD_TIMEOUT_S = 3600.0


class MemoryRunFailed(RuntimeError):
    """The measured subprocess failed; the message carries the end of its stderr."""


def run_memory_scenario(
    workdir: Path,
    *,
    users: int,
    docs_per_user: int,
    seed: int,
    scales: Sequence[int] = (1, 10),
    embedder: str = "fake",
    repo_root: Path,
    say: Callable[[str], None] = print,
) -> list[MemoryRun]:
    """Peak RSS of ingesting `users` x (`docs_per_user` x scale) documents, per scale."""
    runs: list[MemoryRun] = []
    for scale in scales:
        base = workdir / f"memory-x{scale}"
        corpus = build_synthetic_corpus(
            base / "corpus", users=users, docs_per_user=docs_per_user * scale, seed=seed
        )
        say(f"  memory x{scale}: {corpus.note}")
        api = EmulatedSyncApi(corpus.root, base / "api")
        api.start()
        try:
            api.enable(corpus.users)
            measured = _run_child(api, base / "syncrag", corpus.users, embedder, repo_root)
        finally:
            api.close()
        runs.append(
            MemoryRun(
                scale=scale,
                documents=len(corpus.documents),
                chunks=int(measured["chunks"]),
                seconds=float(measured["seconds"]),
                peak_rss_mib=float(measured["peak_rss_mib"]),
                embedder=embedder,
            )
        )
        say(f"    peak RSS {runs[-1].peak_rss_mib:.0f} MiB, {runs[-1].chunks} chunks")
    return runs


def _run_child(
    api: EmulatedSyncApi, workdir: Path, users: list[str], embedder: str, repo_root: Path
) -> dict[str, float]:
    command = [
        sys.executable,
        "-m",
        "bench.memory_child",
        "--api-url",
        api.url,
        "--key-path",
        str(api.private_key_path),
        "--workdir",
        str(workdir),
        "--embedder",
        embedder,
    ]
    for user in users:
        command += ["--user", user]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        command,
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise MemoryRunFailed(
            f"the memory run failed with exit code {done.returncode}: {done.stderr[-2000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])
