"""One benchmark run, start to finish: corpora, scenarios side by side, memory, latency, targets."""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.ceiling import DEFAULT_BACKEND, ModelCeiling, runtime_embedder
from bench.changes import plan_changes
from bench.corpus import (
    BenchCorpus,
    build_python_docs_corpus,
    build_synthetic_corpus,
    find_python_docs,
)
from bench.docs import update_benchmarks_doc
from bench.latency import LatencySetupError, measure_latency
from bench.machine import describe_machine, load_average
from bench.memory import MemoryRunFailed, run_memory_scenario
from bench.peer import RECORD_MANAGER
from bench.peer_set import ALL_PEERS, LANGCHAIN_INCREMENTAL, make_peers
from bench.plot import write_plot
from bench.recording import RecordingEmbedder
from bench.report import render_markdown
from bench.results import BenchResults
from bench.rounds import round_order
from bench.scenarios import CEILING, SYNCRAG, RoundSetup, ScenarioRunner, release_heap
from bench.targets import evaluate_targets
from bench.vector_cache import PeerEncoder
from resources.embedding import Embedder
from resources.text import MarkdownChunker

logger = logging.getLogger("bench")

REPO_ROOT = Path(__file__).resolve().parent.parent
EMBED_BATCH_SIZE = 32  # SYNCRAG_EMBEDDING_BATCH_SIZE's default, used by the ceiling and peers too


@dataclass(frozen=True)
class BenchConfig:
    """What to run; `quick` is a smoke run whose numbers mean little."""

    users: int = 2
    docs_per_user: int = 60
    seed: int = 7
    scale: int = 1
    quick: bool = False
    latency_changes: int = 20
    python_docs_limit: int = 40
    rounds: int = 3
    # The change scenarios again on `change_scale` times the documents (0 rounds: not run).
    change_scale: int = 10
    rounds_large: int = 1
    memory_embedder: str = "fake"
    embedding_backend: str = DEFAULT_BACKEND
    run_memory: bool = True
    run_latency: bool = True
    out_dir: Path = REPO_ROOT / "bench" / "results"
    docs_path: Path | None = REPO_ROOT / "docs" / "benchmarks.md"
    workdir: Path | None = None

    @property
    def mode(self) -> str:
        if self.quick:
            return "quick"
        return "default" if self.scale == 1 else f"scale-{self.scale}"

    @property
    def corpus_docs_per_user(self) -> int:
        return self.docs_per_user * self.scale


@dataclass(frozen=True)
class CorpusPlan:
    """A corpus to measure: how to lay it out in a folder, how many rounds, against which peers."""

    name: str
    build: Callable[[Path], BenchCorpus]
    rounds: int
    peers: tuple[str, ...] = ALL_PEERS
    # The initial ingest is set-up here, not a measurement (see bench.vector_cache).
    cached_initial: bool = False


def run_benchmarks(
    config: BenchConfig, *, command: str, say: Callable[[str], None] = print
) -> BenchResults:
    """Runs everything `config` asks for and returns the results (written by `write_outputs`)."""
    started = time.perf_counter()
    results = BenchResults(
        started_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        command=command,
        mode=config.mode,
        machine=describe_machine(),
        config={k: str(v) for k, v in asdict(config).items()},
    )
    # Processes the latency measure stopped may still be closing files as the folder goes.
    with tempfile.TemporaryDirectory(
        prefix="syncrag-bench-", ignore_cleanup_errors=True
    ) as scratch:
        workdir = config.workdir or Path(scratch)
        say(
            f"Loading the embedding runtime {config.embedding_backend} twice (syncrag's "
            "embedder; the model alone, for the ceiling and the peers)"
        )
        embedder = runtime_embedder(config.embedding_backend, EMBED_BATCH_SIZE)
        ceiling = ModelCeiling(runtime_embedder(config.embedding_backend, EMBED_BATCH_SIZE))
        for plan in _corpus_plans(config, results, say):
            _measure_corpus(plan, config, workdir, results, embedder, ceiling, say)

        if config.run_memory:
            _memory(config, workdir, results, say)
        else:
            results.memory_note = "Skipped (--skip-memory)."
        if config.run_latency:
            _latency(config, workdir, results, embedder, say)
    results.machine["load_average_at_end"] = load_average()
    results.targets = evaluate_targets(results)
    results.notes += _standing_notes(config)
    results.seconds = time.perf_counter() - started
    return results


def _measure_corpus(
    plan: CorpusPlan,
    config: BenchConfig,
    workdir: Path,
    results: BenchResults,
    embedder: Embedder,
    ceiling: ModelCeiling,
    say: Callable[[str], None],
) -> None:
    """Every round of one corpus, each on a fresh copy of it and fresh stores."""
    chunker = MarkdownChunker(embedder.count_tokens, embedder.max_tokens)
    encoder = PeerEncoder(ceiling.encode)
    systems = [SYNCRAG, CEILING, *plan.peers]
    texts: dict[str, list[str]] = {}
    for number in range(plan.rounds):
        folder = workdir / f"{plan.name}-round{number + 1}"
        say(f"{plan.name}, round {number + 1} of {plan.rounds}: laying out the corpus")
        corpus = replace(plan.build(folder / "corpus"), name=plan.name)
        if number == 0:
            results.corpora[plan.name] = corpus.note
        peers = make_peers(
            plan.peers, encode=encoder.encode, chunker=chunker, dimension=embedder.dimension
        )
        setup = RoundSetup(
            number,
            round_order(systems, number),
            texts,
            cached_initial=plan.cached_initial,
            encoder=encoder,
        )
        try:
            runner = ScenarioRunner(
                corpus,
                plan_changes(corpus, seed=config.seed),
                workdir=folder / "syncrag",
                embedder=RecordingEmbedder(embedder, keep_vectors=plan.cached_initial),
                ceiling=ceiling,
                peers=peers,
                seed=config.seed,
                setup=setup,
                say=say,
            )
            results.scenarios += runner.run()
            if number == 0:
                results.notes += [
                    f"{plan.name}: {path}: {reason}"
                    for path, reason in runner.texts.failures.items()
                ]
        finally:
            for peer in peers:
                peer.close()
            release_heap()
            shutil.rmtree(folder, ignore_errors=True)


def _corpus_plans(
    config: BenchConfig, results: BenchResults, say: Callable[[str], None]
) -> list[CorpusPlan]:
    docs = config.corpus_docs_per_user

    def synthetic(scale: int) -> Callable[[Path], BenchCorpus]:
        return lambda root: build_synthetic_corpus(
            root, users=config.users, docs_per_user=docs * scale, seed=config.seed
        )

    plans = [CorpusPlan("synthetic", synthetic(1), config.rounds)]
    if config.rounds_large > 0 and config.change_scale > 1:
        plans.append(
            CorpusPlan(
                f"synthetic-{config.change_scale}x",
                synthetic(config.change_scale),
                config.rounds_large,
                # Its mistake is shown at 1x; here it would re-embed a fifth of the corpus on
                # every pass (minutes per scenario) without showing anything new.
                peers=tuple(p for p in ALL_PEERS if p != LANGCHAIN_INCREMENTAL),
                cached_initial=True,
            )
        )
    source = find_python_docs()
    if source is None:
        results.corpora["python-docs"] = (
            "absent on this machine (no reST sources of python3.11-doc under /usr/share/doc; "
            "`apt-get install python3.11-doc` adds them)"
        )
    else:
        plans.append(
            CorpusPlan(
                "python-docs",
                lambda root: build_python_docs_corpus(source, root, limit=config.python_docs_limit),
                config.rounds,
            )
        )
    return plans


def _memory(
    config: BenchConfig, workdir: Path, results: BenchResults, say: Callable[[str], None]
) -> None:
    say("Memory: ingesting 1x and 10x the corpus in fresh processes")
    try:
        results.memory = run_memory_scenario(
            workdir / "memory",
            users=config.users,
            docs_per_user=config.corpus_docs_per_user,
            seed=config.seed,
            embedder=config.memory_embedder,
            repo_root=REPO_ROOT,
            say=say,
        )
    except (MemoryRunFailed, OSError, subprocess.SubprocessError) as exc:
        results.memory_note = f"Failed: {exc}"
        return


def _latency(
    config: BenchConfig,
    workdir: Path,
    results: BenchResults,
    embedder: Embedder,
    say: Callable[[str], None],
) -> None:
    say(f"Latency: {config.latency_changes} changes through the live stack")
    try:
        results.latency = measure_latency(
            workdir / "latency",
            repo_root=REPO_ROOT,
            embedder=embedder,
            backend=config.embedding_backend,
            changes=config.latency_changes,
            seed=config.seed,
            say=say,
        )
    except LatencySetupError as exc:
        results.notes.append(f"latency not measured: {exc}")
    except Exception as exc:
        # Everything measured before stays reported; the failure is named, not hidden.
        logger.exception("the latency measure failed")
        results.notes.append(f"latency measure failed: {type(exc).__name__}: {exc}")


def _standing_notes(config: BenchConfig) -> list[str]:
    return [
        "syncrag's time covers pull, download, extraction, chunking, embedding and the store; the "
        "peers' time covers chunking (the same MarkdownChunker), hashing, embedding and their "
        "store, but not extraction: they are handed the same extracted Markdown, as a user "
        "would hand loader output to index() or IngestionPipeline.run().",
        f"Rounds: {config.rounds} per corpus ({config.rounds_large} on the "
        f"{config.change_scale}x corpus), each on a fresh copy of the corpus and fresh stores; "
        "within a round every system runs each scenario once, in an order that changes from "
        "round to round (the order column of the JSON). Times are medians over the rounds, "
        "with [lowest-highest]; a ratio is taken within each round, then its median.",
        "syncrag's CPU seconds include its helper processes' (the extraction worker and the "
        "emulator serving the downloads, read with psutil).",
        f"On the {config.change_scale}x corpus the initial ingest is set-up: syncrag's pass is "
        "timed but no ceiling is measured, and the peers take syncrag's vectors for the same "
        "texts (their time there is not the model's, and is not compared); "
        'LangChain with cleanup="incremental" is left out there (shown at 1x).',
        f"Embedding runtime: {config.embedding_backend} for syncrag, the ceiling and the peers "
        f"alike (batch size {EMBED_BATCH_SIZE} texts for sentence-transformers; the onnx "
        "runtimes batch by tokens). The ceiling embeds all of a scenario's texts in one call of "
        "an embedder of its own; syncrag embeds per write batch (the records ready, up to 32 "
        "records or 512 chunks).",
        f"LangChain's record manager: {RECORD_MANAGER}. LlamaIndex's docstore: "
        "SimpleDocumentStore (llama-index-core holds no other; its SQL-backed docstores are "
        "separate packages that need a database server).",
        "Peak RSS in the scenario tables is this whole bench process (both model copies, the "
        "peers' in-memory stores), sampled every 20 ms during syncrag's pass; the memory section "
        "measures syncrag alone.",
        f"Seed {config.seed}; the corpus, the edited and deleted documents are the same on "
        "every run with the same options.",
    ]


def demote_headings(markdown: str) -> str:
    """Every Markdown heading one level deeper, to nest a report inside a page."""
    return "\n".join(f"#{line}" if line.startswith("#") else line for line in markdown.split("\n"))


def write_outputs(results: BenchResults, config: BenchConfig) -> dict[str, Path]:
    """Writes JSON, Markdown and PNG under `out_dir` and, when configured, the docs page."""
    config.out_dir.mkdir(parents=True, exist_ok=True)
    stem = config.out_dir / f"bench-{results.mode}"
    paths = {
        "json": stem.with_suffix(".json"),
        "markdown": stem.with_suffix(".md"),
        "plot": stem.with_suffix(".png"),
    }
    markdown = render_markdown(results)
    results.write_json(paths["json"])
    paths["markdown"].write_text(markdown, encoding="utf-8")
    write_plot(results, paths["plot"])
    if config.docs_path is not None:
        plot = os.path.relpath(paths["plot"], config.docs_path.parent)
        generated = demote_headings(markdown).replace(
            f"## syncrag benchmark ({results.mode})", "## Latest results", 1
        )
        update_benchmarks_doc(config.docs_path, f"{generated}\n![benchmark plot]({plot})\n")
        paths["docs"] = config.docs_path
    return paths
