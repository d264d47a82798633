"""Parity of the embedding runtimes (torch, ONNX fp32, ONNX int8) on the sample corpus: vectors,
retrieval recall@10 on labeled queries, and throughput measured side by side in one run.

Run with `python -m bench.onnx_parity` (the ONNX models are exported by `make setup`, or else by
their first use). Queries: each document's facts (relevant: every chunk containing the fact) and
each section heading (relevant: every chunk under a heading of that text). Standalone: imports
nothing else of `bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.recording import DelegatingEmbedder
from demo import SampleDocument, normalize_space, sample_documents
from resources.embedding import (
    DEFAULT_MAX_BATCH_TOKENS,
    Embedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    TokenCounter,
    length_sorted_batches,
)
from resources.text import MarkdownChunker

Vectors = npt.NDArray[np.float32]
DEFAULT_OUT = Path("bench/results/onnx_parity.json")
REFERENCE = "torch"
INT8 = "onnx-int8"
# int8 may become the default backend only if its recall@10 is within this of torch's.
DEFAULT_TOLERANCE = 0.01


@dataclass(frozen=True)
class LabeledQuery:
    """A query and the positions of the chunks that answer it."""

    kind: str  # "fact" or "heading"
    text: str
    relevant: frozenset[int]


@dataclass(frozen=True)
class ParityCorpus:
    """The chunks the index would hold and the labeled queries over them."""

    chunks: list[str]
    tokens: list[int]
    queries: list[LabeledQuery]


def build_corpus(
    documents: Sequence[SampleDocument], count_tokens: Callable[[str], int], max_tokens: int = 256
) -> ParityCorpus:
    """Chunk the documents as the pipeline does and label fact and heading queries."""
    chunker = MarkdownChunker(count_tokens, max_tokens)
    chunks: list[str] = []
    headings: list[str] = []
    for document in documents:
        for chunk in chunker.split(document.markdown):
            chunks.append(chunk.text)
            headings.append(chunk.heading_path[-1] if chunk.heading_path else "")
    folded = [normalize_space(text).casefold() for text in chunks]
    queries: list[LabeledQuery] = []
    seen: set[tuple[str, str]] = set()
    for document in documents:
        for fact in document.facts:
            key = normalize_space(fact).casefold()
            if ("fact", key) in seen:
                continue
            seen.add(("fact", key))
            relevant = frozenset(i for i, text in enumerate(folded) if key in text)
            if relevant:
                queries.append(LabeledQuery("fact", fact, relevant))
    for heading in headings:
        key = heading.casefold()
        if not heading or ("heading", key) in seen:
            continue
        seen.add(("heading", key))
        relevant = frozenset(i for i, other in enumerate(headings) if other.casefold() == key)
        queries.append(LabeledQuery("heading", heading, relevant))
    return ParityCorpus(chunks, [count_tokens(text) for text in chunks], queries)


def recall_at_k(
    query_vectors: Vectors, chunk_vectors: Vectors, queries: Sequence[LabeledQuery], k: int = 10
) -> float:
    """The share of queries with at least one relevant chunk among the k most similar chunks."""
    if not queries:
        return 0.0
    scores = query_vectors @ chunk_vectors.T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hits = sum(1 for query, row in zip(queries, top, strict=True) if query.relevant & set(row))
    return hits / len(queries)


class LengthSortedBatches(DelegatingEmbedder):
    """Another embedder fed the batches OnnxEmbedder makes: separates batching from runtime."""

    def __init__(self, inner: Embedder, *, batch_size: int, max_batch_tokens: int) -> None:
        super().__init__(inner)
        self._batch_size = batch_size
        self._max_batch_tokens = max_batch_tokens

    def _encode(self, texts: list[str]) -> list[list[float]]:
        lengths = [self.count_tokens(text) for text in texts]
        vectors: list[list[float]] = [[] for _ in texts]
        for batch in length_sorted_batches(
            lengths, max_texts=self._batch_size, max_tokens=self._max_batch_tokens
        ):
            for position, vector in zip(
                batch, self._inner.embed([texts[i] for i in batch]), strict=True
            ):
                vectors[position] = vector
        return vectors


def default_runtimes(onnx_dir: Path | None, batch_size: int = 32) -> dict[str, Embedder]:
    """torch as the pipeline runs it, torch fed length-sorted batches, ONNX fp32 and int8."""
    torch_model = SentenceTransformerEmbedder(batch_size=batch_size)
    return {
        REFERENCE: torch_model,
        "torch, length-sorted batches": LengthSortedBatches(
            torch_model, batch_size=batch_size, max_batch_tokens=DEFAULT_MAX_BATCH_TOKENS
        ),
        "onnx": OnnxEmbedder(onnx_dir, quantized=False, batch_size=batch_size),
        INT8: OnnxEmbedder(onnx_dir, quantized=True, batch_size=batch_size),
    }


def measure(
    runtimes: dict[str, Embedder], corpus: ParityCorpus, *, rounds: int = 3, k: int = 10
) -> dict[str, Any]:
    """Embed the corpus with every runtime in turn, `rounds` times; compare with `REFERENCE`."""
    for embedder in runtimes.values():
        embedder.embed(corpus.chunks[:4])  # load the model outside the timings
    seconds: dict[str, list[float]] = {name: [] for name in runtimes}
    chunk_vectors: dict[str, Vectors] = {}
    for _ in range(rounds):
        # Interleaved, so that a busy moment on a shared machine hits every runtime alike.
        for name, embedder in runtimes.items():
            started = time.perf_counter()
            vectors = embedder.embed(corpus.chunks)
            seconds[name].append(time.perf_counter() - started)
            chunk_vectors[name] = np.asarray(vectors, dtype=np.float32)
    query_vectors = {
        # One query at a time, as the search path embeds them.
        name: np.asarray([embedder.embed([q.text])[0] for q in corpus.queries], dtype=np.float32)
        for name, embedder in runtimes.items()
    }
    reference = chunk_vectors[REFERENCE]
    tokens = sum(corpus.tokens)
    results: dict[str, Any] = {}
    for name in runtimes:
        best, median = min(seconds[name]), statistics.median(seconds[name])
        cosines = (chunk_vectors[name] * reference).sum(axis=1)
        results[name] = {
            "model_name": runtimes[name].model_name,
            "seconds": seconds[name],
            "chunks_per_second": len(corpus.chunks) / median,
            "chunks_per_second_best": len(corpus.chunks) / best,
            "tokens_per_second": tokens / median,
            "speedup_vs_torch": statistics.median(seconds[REFERENCE]) / median,
            "speedup_vs_torch_best": min(seconds[REFERENCE]) / best,
            "cosine_to_torch": {
                "min": float(cosines.min()),
                "p01": float(np.percentile(cosines, 1)),
                "mean": float(cosines.mean()),
            },
            **_recalls(query_vectors[name], chunk_vectors[name], corpus.queries, k),
        }
    if INT8 in runtimes:
        # An int8 query against a torch-built index: what mixing runtimes in one collection gives.
        mixed = _recalls(query_vectors[INT8], reference, corpus.queries, k)
        results[f"{INT8} queries, {REFERENCE} index"] = {"model_name": "(mixed)", **mixed}
    return results


def _recalls(
    query_vectors: Vectors, chunk_vectors: Vectors, queries: Sequence[LabeledQuery], k: int
) -> dict[str, float]:
    by_kind = {
        kind: [i for i, query in enumerate(queries) if query.kind == kind]
        for kind in ("fact", "heading")
    }
    recalls = {"recall_at_k": recall_at_k(query_vectors, chunk_vectors, queries, k)}
    for kind, positions in by_kind.items():
        recalls[f"recall_at_k_{kind}"] = recall_at_k(
            query_vectors[positions], chunk_vectors, [queries[i] for i in positions], k
        )
    return recalls


def verdict(results: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE) -> dict[str, Any]:
    """Whether int8's recall@k is within `tolerance` of torch's (the bar for the default)."""
    torch_recall = results[REFERENCE]["recall_at_k"]
    int8_recall = results[INT8]["recall_at_k"]
    return {
        "int8_recall_minus_torch": int8_recall - torch_recall,
        "tolerance": tolerance,
        "int8_qualifies_as_default": int8_recall >= torch_recall - tolerance,
    }


def markdown_table(results: dict[str, Any], k: int) -> str:
    """The results as a Markdown table, one runtime per row."""
    rows = [
        f"| runtime | collection model | chunks/s | x torch | cosine min / mean | "
        f"recall@{k} | facts | headings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results.items():
        speed = (
            f"{row['chunks_per_second']:.1f} | {row['speedup_vs_torch']:.2f}"
            if "chunks_per_second" in row
            else "- | -"
        )
        cosine = row.get("cosine_to_torch")
        cosines = f"{cosine['min']:.4f} / {cosine['mean']:.4f}" if cosine else "-"
        rows.append(
            f"| {name} | {row['model_name']} | {speed} | {cosines} | {row['recall_at_k']:.3f} | "
            f"{row['recall_at_k_fact']:.3f} | {row['recall_at_k_heading']:.3f} |"
        )
    return "\n".join(rows)


def describe_machine() -> dict[str, Any]:
    """CPU, cores, load and library versions: the context the speeds were measured in."""
    versions = {}
    for package in ("torch", "onnxruntime", "sentence-transformers", "transformers"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "versions": versions,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.onnx_parity", description=__doc__)
    parser.add_argument(
        "--onnx-dir",
        type=Path,
        default=None,
        help="the ONNX export's folder (default: where the onnx backends keep it; exported there "
        "first if missing)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per runtime")
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N chunks")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args(argv)
    machine = describe_machine()
    corpus = build_corpus(sample_documents(), TokenCounter.packaged())
    if args.limit is not None:
        corpus = _limited(corpus, args.limit)
    started = time.perf_counter()
    results = measure(default_runtimes(args.onnx_dir), corpus, rounds=args.rounds, k=args.k)
    report = {
        "command": "python -m bench.onnx_parity " + " ".join(argv or sys.argv[1:]),
        "machine": machine,
        "corpus": {
            "chunks": len(corpus.chunks),
            "tokens": sum(corpus.tokens),
            "queries": len(corpus.queries),
            "fact_queries": sum(1 for q in corpus.queries if q.kind == "fact"),
            "heading_queries": sum(1 for q in corpus.queries if q.kind == "heading"),
        },
        "k": args.k,
        "rounds": args.rounds,
        "seconds": time.perf_counter() - started,
        "runtimes": results,
        "verdict": verdict(results),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown_table(results, args.k))
    outcome = report["verdict"]
    print(
        f"\nint8 recall@{args.k} minus torch's: {outcome['int8_recall_minus_torch']:+.3f}; "
        f"qualifies as the default backend: {outcome['int8_qualifies_as_default']}"
    )
    print(f"Written to {args.out}.")
    return 0


def _limited(corpus: ParityCorpus, limit: int) -> ParityCorpus:
    keep = frozenset(range(min(limit, len(corpus.chunks))))
    queries = [
        LabeledQuery(q.kind, q.text, q.relevant & keep) for q in corpus.queries if q.relevant & keep
    ]
    return ParityCorpus(corpus.chunks[:limit], corpus.tokens[:limit], queries)


if __name__ == "__main__":
    sys.exit(main())
