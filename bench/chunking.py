"""The chunker's throughput on large texts: `python -m bench.chunking`.

Chunks generated prose of 2, 8 and 32 MB, once without headings and once with a heading every
eight paragraphs, with the packaged model's tokenizer counting in batches as in production
(`EmbedderResource.get_chunker`), and prints MB/s (wall clock) and the CPU seconds spent. The
time should grow linearly with the size. On a machine shared with other work, `--repeat N`
keeps the fastest of N runs of each text. `make bench` does not run it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from resources.embedding import TokenCounter
from resources.text import MarkdownChunker

DEFAULT_SIZES_MB = (2.0, 8.0, 32.0)
# all-MiniLM-L6-v2's max_seq_length, the packaged model's limit.
MAX_TOKENS = 256
_PROSE_WORDS = (
    "the of and to in is that for it as was with be by on not he this are or his from at which "
    "but have an they you were her she there been one all we their has would when if so no "
    "index vector record tenant cursor ledger webhook schedule sensor partition asset payload "
    "quarterly report customer invoice shipment warehouse contract meeting budget forecast "
    "analysis department manager engineer deployment service database migration release "
    "because although therefore however meanwhile otherwise whereas moreover"
)
_VOCABULARY = _PROSE_WORDS.split(" ")


@dataclass(frozen=True)
class ChunkingRun:
    """One text chunked once: its size, the time it took and what came out."""

    label: str
    megabytes: float
    seconds: float
    cpu_seconds: float
    chunks: int

    @property
    def mb_per_second(self) -> float:
        return self.megabytes / self.seconds if self.seconds > 0 else float("inf")

    def line(self) -> str:
        return (
            f"{self.label:>13} {self.megabytes:6.1f} MB: {self.seconds:6.2f} s "
            f"(CPU {self.cpu_seconds:6.2f} s) {self.mb_per_second:5.2f} MB/s, "
            f"{self.chunks:,} chunks"
        )


def generated_text(megabytes: float, *, headings: bool, seed: int = 1) -> str:
    """Prose of about `megabytes` MB: paragraphs of 1-8 sentences, optionally under headings."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    paragraphs: list[str] = []
    size = 0
    while size < target:
        if headings and len(paragraphs) % 8 == 0:
            words = rng.choices(_VOCABULARY, k=4)
            paragraph = "#" * rng.randint(1, 3) + " " + " ".join(words).capitalize()
        else:
            paragraph = " ".join(
                " ".join(rng.choices(_VOCABULARY, k=rng.randint(5, 20))).capitalize() + "."
                for _ in range(rng.randint(1, 8))
            )
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def production_chunker() -> MarkdownChunker:
    """The chunker as the embedder resource builds it, on the packaged model's tokenizer."""
    counter = TokenCounter.packaged()
    return MarkdownChunker(counter, MAX_TOKENS, count_many=counter.count_many)


def measure(chunker: MarkdownChunker, text: str, label: str) -> ChunkingRun:
    started, cpu_started = time.perf_counter(), time.process_time()
    chunks = chunker.split(text)
    return ChunkingRun(
        label=label,
        megabytes=len(text.encode("utf-8")) / 1_000_000,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        chunks=len(chunks),
    )


def run(sizes_mb: Sequence[float], *, seed: int = 1, repeat: int = 1) -> list[ChunkingRun]:
    """The fastest of `repeat` runs per size, without headings then with headings, printed as
    they finish."""
    chunker = production_chunker()
    runs: list[ChunkingRun] = []
    for headings, label in ((False, "no headings"), (True, "with headings")):
        for megabytes in sizes_mb:
            text = generated_text(megabytes, headings=headings, seed=seed)
            tries = [measure(chunker, text, label) for _ in range(repeat)]
            fastest = min(tries, key=lambda result: result.seconds)
            print(fastest.line(), flush=True)
            runs.append(fastest)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chunking", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=float,
        nargs="+",
        default=list(DEFAULT_SIZES_MB),
        metavar="MB",
        help="text sizes in MB (default: 2 8 32)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per text; the fastest counts")
    args = parser.parse_args(argv)
    if any(size <= 0 for size in args.sizes) or args.repeat < 1:
        raise SystemExit("--sizes and --repeat must be positive")
    run(args.sizes, seed=args.seed, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
