"""Where the initial ingest's time goes beyond the model's: `python -m bench.initial_overhead`.

Runs the benchmark's initial ingest several times in a fresh stack each time, and after each
run times three things on one embedder of the same runtime: the run's texts in one call (the
ceiling), the same texts in the calls syncrag made (batching), and compares them with the
model's time inside syncrag's run (batching plus sharing the cores with reading and storing).
It backs finding 1 of docs/benchmarks.md; `make bench` does not run it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import helper_cpu
from bench.ceiling import DEFAULT_BACKEND, runtime_embedder
from bench.corpus import build_synthetic_corpus
from bench.recording import RecordingEmbedder
from bench.stack import SyncOutcome, SyncragStack
from resources.embedding import Embedder

EMBED_BATCH_SIZE = 32


class CallRecorder(RecordingEmbedder):
    """A RecordingEmbedder that also keeps each call's texts, to replay the same calls."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.calls_texts: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if texts:
            self.calls_texts.append(list(texts))
        return super().embed(texts)


@dataclass(frozen=True)
class OverheadRun:
    """One initial ingest and its replays, in seconds."""

    chunks: int
    embedded: int
    calls: int
    syncrag_s: float
    syncrag_cpu_s: float
    model_in_run_s: float
    waited_on_reads_s: float
    storing_s: float
    ceiling_s: float
    ceiling_cpu_s: float
    same_calls_s: float
    helpers_cpu_s: float = 0.0  # the extraction worker and the emulator (see bench.helper_cpu)
    emulator_cpu_s: float = 0.0  # of which the emulator

    def line(self) -> str:
        return (
            f"{self.chunks} chunks in {self.calls} calls: syncrag {self.syncrag_s:.1f} s "
            f"(CPU {self.syncrag_cpu_s:.1f}), model inside it {self.model_in_run_s:.1f} s, "
            f"waited on reads {self.waited_on_reads_s:.2f} s, storing {self.storing_s:.2f} s; "
            f"helpers' CPU {self.helpers_cpu_s:.1f} s (emulator {self.emulator_cpu_s:.1f}); "
            f"model alone: one call {self.ceiling_s:.1f} s (CPU {self.ceiling_cpu_s:.1f}), "
            f"syncrag's calls {self.same_calls_s:.1f} s; ratio "
            f"{self.syncrag_s / self.ceiling_s:.2f}x wall, "
            f"{self.syncrag_cpu_s / self.ceiling_cpu_s:.2f}x CPU, "
            f"{(self.syncrag_cpu_s + self.helpers_cpu_s) / self.ceiling_cpu_s:.2f}x CPU with "
            "helpers"
        )


def measure_once(
    workdir: Path,
    *,
    syncrag_embedder: Embedder,
    alone: Embedder,
    users: int,
    docs_per_user: int,
    seed: int,
) -> OverheadRun:
    """One initial ingest of a fresh corpus and stack under `workdir`, then the replays."""
    corpus = build_synthetic_corpus(
        workdir / "corpus", users=users, docs_per_user=docs_per_user, seed=seed
    )
    recorder = CallRecorder(syncrag_embedder)
    with SyncragStack(corpus.root, workdir / "syncrag", recorder) as stack:
        stack.enable(corpus.users)
        outcomes: list[SyncOutcome] = []
        emulator = psutil.Process(stack.api.server.pid)
        emulator_started = sum(emulator.cpu_times()[:2])
        helpers_started = helper_cpu.sample()
        wall, cpu = _timed(lambda: outcomes.append(stack.sync(corpus.users)))
        helpers = helper_cpu.since(helpers_started).helpers
        emulator_cpu = sum(emulator.cpu_times()[:2]) - emulator_started
        report = outcomes[0].index
    texts = [text for call in recorder.calls_texts for text in call]
    ceiling, ceiling_cpu = _timed(lambda: alone.embed(texts))
    same_calls, _ = _timed(lambda: [alone.embed(call) for call in recorder.calls_texts])
    return OverheadRun(
        chunks=len(texts),
        embedded=report.chunks_embedded,
        calls=len(recorder.calls_texts),
        syncrag_s=wall,
        syncrag_cpu_s=cpu,
        model_in_run_s=recorder.seconds,
        waited_on_reads_s=report.seconds_reading,
        storing_s=report.seconds_storing,
        ceiling_s=ceiling,
        ceiling_cpu_s=ceiling_cpu,
        same_calls_s=same_calls,
        helpers_cpu_s=helpers,
        emulator_cpu_s=emulator_cpu,
    )


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - started, time.process_time() - cpu_started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.initial_overhead", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--docs-per-user", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--embedding-backend", default=DEFAULT_BACKEND)
    args = parser.parse_args(argv)
    syncrag_embedder = runtime_embedder(args.embedding_backend, EMBED_BATCH_SIZE)
    alone = runtime_embedder(args.embedding_backend, EMBED_BATCH_SIZE)
    print(f"{args.embedding_backend}, {args.users} users x {args.docs_per_user} documents")
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="syncrag-overhead-") as scratch:
            run = measure_once(
                Path(scratch),
                syncrag_embedder=syncrag_embedder,
                alone=alone,
                users=args.users,
                docs_per_user=args.docs_per_user,
                seed=args.seed,
            )
        print(f"run {number}: {run.line()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
