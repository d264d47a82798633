"""What reading files in the bounded worker process costs: `python -m bench.extraction_isolation`.

Renders the demo's sample corpus (every format the demo ships), then reads every file both in
this process and through `ExtractionWorker`, in interleaved rounds (in-process first in odd
rounds, the worker first in even ones), and reports the medians side by side: the worker's
start-up (paid once per run that has files to read) and its cost per file (two pipe copies and
a JSON header). It backs the isolation finding of docs/benchmarks.md; `make bench` does not run
it.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from demo.build import build_sample_corpus
from resources.text import ExtractionError, ExtractionWorker, InProcessReader

Document = tuple[str, bytes]


def corpus_files(root: Path) -> list[Document]:
    """(name, bytes) of every rendered file of the sample corpus."""
    return [
        (path.name, path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file() and "files" in path.parts
    ]


def read_all(reader: InProcessReader | ExtractionWorker, files: list[Document]) -> float:
    started = time.perf_counter()
    for name, data in files:
        # The same files fail either way; the cost of trying is what is measured.
        with contextlib.suppress(ExtractionError):
            reader.file_markdown(data, mime_type=None, name=name)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The extraction worker's cost, side by side.")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        build_sample_corpus(Path(folder))
        files = corpus_files(Path(folder))
    megabytes = sum(len(data) for _, data in files) / 1e6
    in_process = InProcessReader()
    read_all(in_process, files)  # converters loaded before any timing
    inline: list[float] = []
    isolated: list[float] = []
    starts: list[float] = []
    for round_number in range(args.rounds):
        order = ("inline", "worker") if round_number % 2 == 0 else ("worker", "inline")
        for kind in order:
            if kind == "inline":
                inline.append(read_all(in_process, files))
                continue
            with ExtractionWorker() as worker:
                started = time.perf_counter()
                worker.file_markdown(b"warm", mime_type="text/plain", name="warm.txt")
                starts.append(time.perf_counter() - started)
                isolated.append(read_all(worker, files))
    inline_s, worker_s, start_s = (statistics.median(x) for x in (inline, isolated, starts))
    per_file_ms = (worker_s - inline_s) / len(files) * 1000
    print(
        f"{len(files)} files ({megabytes:.1f} MB), median of {args.rounds} interleaved rounds:\n"
        f"  in process: {inline_s:.3f} s\n"
        f"  worker:     {worker_s:.3f} s  ({worker_s / inline_s:.2f}x; "
        f"{per_file_ms:+.2f} ms per file)\n"
        f"  worker start-up (once per run with files to read): {start_s:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
