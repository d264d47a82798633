"""Measured recall of dense, sparse and hybrid search, and what lexical vectors cost at ingest.

`python -m bench.retrieval` ingests the bundled sample corpus (three users' files, contacts and
tickets) through syncrag's plain ingestion code (the emulator in its own process, `pull_user`,
`Indexer`, Qdrant Edge in a temporary folder, the default embedding runtime), twice per round:
once into a dense-only collection (syncrag as it was before lexical vectors) and once with
lexical vectors, alternating, and reports the ingest-time ratio. Over the hybrid index it runs
labelled queries (`bench.retrieval_queries`) in each mode and reports recall@5, MRR@10 and, for
identifier queries, the chunk-level hit rate. Python's reST documentation (Debian's
`python3.11-doc`) is a second corpus where found (`--python-docs DIR` names a folder of sources).
Results go to `bench/results/retrieval.json` and `.md`, and a generated part of
`docs/benchmarks.md`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.corpus import PYTHON_DOCS_USER, find_python_docs, pipeline_folder
from bench.machine import describe_machine, load_average
from bench.retrieval_queries import (
    DEMO_QUESTIONS,
    PYTHON_QUESTIONS,
    IndexedDocument,
    LabeledQuery,
    demo_identifier_queries,
    demo_phrase_queries,
    document_key,
    fold,
    python_identifier_queries,
    python_pages,
    questions,
)
from bench.retrieval_report import (
    DENSE_ONLY,
    HYBRID,
    MODES,
    IngestRun,
    K,
    QueryOutcome,
    corpus_summary,
    ingest_summary,
    render_markdown,
    targets,
    update_docs,
)
from bench.stack import EmulatedSyncApi
from demo import build_sample_corpus, sample_documents, sample_users
from ingest import Indexer, IndexReport, pull_user, remember_sync
from resources.embedding import Embedder, embedder_from_settings
from resources.state import StateStore
from resources.text import MarkdownChunker
from resources.vectors import (
    DENSE_WEIGHT,
    LEXICAL_SCHEME,
    LEXICAL_WEIGHT,
    RRF_K,
    EdgeVectorStore,
    SearchHit,
    collection_name_for,
    prefetch_limit,
    query_vector,
)

DEFAULT_OUT = Path("bench/results/retrieval.json")
DOCS_PAGE = Path("docs/benchmarks.md")
MRR_DEPTH = 10
# Client-side re-fusions of the two candidate lists with other constants: (label, k, weight of
# the lexical side). The first is the store's own, as a check of the re-fusion.
FUSION_VARIANTS: tuple[tuple[str, int, float], ...] = (
    (f"k={RRF_K}, lexical x{LEXICAL_WEIGHT:g} (as hybrid)", RRF_K, LEXICAL_WEIGHT),
    ("k=2", 2, 1.0),
    ("k=60", 60, 1.0),
    ("k=60, lexical x2", 60, 2.0),
    ("k=5, lexical x1.5", 5, 1.5),
    ("k=2, lexical x3", 2, 3.0),
)


@dataclass
class Corpus:
    """An ingested corpus: its hybrid index, what the index holds per user, the queries."""

    name: str
    note: str
    store: EdgeVectorStore
    documents: dict[str, dict[str, IndexedDocument]]
    queries: list[LabeledQuery] = field(default_factory=list)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=4, help="ingest rounds, each of both kinds (default 4)"
    )
    parser.add_argument(
        "--python-docs",
        type=Path,
        default=None,
        help="folder of the reST sources of Python's docs (default: python3.11-doc's, if found)",
    )
    parser.add_argument("--no-python-docs", action="store_true", help="the sample corpus only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--workdir", type=Path, default=None, help="keep scratch files here")
    parser.add_argument(
        "--embedding-backend", default="onnx-int8", help="embedding runtime (default onnx-int8)"
    )
    parser.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="JSON",
        help="measure nothing: recompute the summaries and targets of a saved report, redraw",
    )
    args = parser.parse_args(argv)
    if args.render is not None:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        report["ingest"] = ingest_summary([IngestRun(**r) for r in report["ingest"]["runs"]])
        report["targets"] = targets(report["ingest"], report["corpora"])
        _write(report, args.render, docs=not args.no_docs)
        return 0

    started = time.perf_counter()
    machine = describe_machine()
    embedder = embedder_from_settings(args.embedding_backend, None, "cpu", 32)
    embedder.embed(["warm up the model"])
    with _workdir(args.workdir) as work:
        corpus_root = work / "corpus"
        summary = build_sample_corpus(corpus_root)
        api = EmulatedSyncApi(corpus_root, work / "api")
        api.start()
        try:
            _enable_everything(api)
            runs, demo_store = _time_ingests(api, embedder, work, args.rounds)
            demo = _demo_corpus(demo_store, corpus_root, summary.describe())
        finally:
            api.close()
        corpora = [demo]
        python_source = None if args.no_python_docs else (args.python_docs or find_python_docs())
        if python_source is not None:
            corpora.append(_python_docs_corpus(python_source, embedder, work))
        outcomes = {c.name: _run_queries(c, embedder) for c in corpora}
    modes = [*MODES, *(v[0] for v in FUSION_VARIANTS)]
    results = {c.name: corpus_summary(c.note, outcomes[c.name], modes) for c in corpora}
    ingest = ingest_summary(runs)
    report: dict[str, Any] = {
        "command": "python -m bench.retrieval "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine,
        "load_average_at_end": load_average(),
        "seconds": time.perf_counter() - started,
        "embedding_model": embedder.model_name,
        "k": K,
        "rrf_k": RRF_K,
        "lexical_weight": LEXICAL_WEIGHT,
        "prefetch": prefetch_limit(K),
        "ingest": ingest,
        "corpora": results,
        "targets": targets(ingest, results),
    }
    if python_source is None:
        report["python_docs"] = "skipped: no reST sources of python3.11-doc found"
    _write(report, args.out, docs=not args.no_docs)
    return 0


def _write(report: Mapping[str, Any], out: Path, *, docs: bool) -> None:
    """The report as JSON at `out`, as Markdown beside it and (with `docs`) in the docs page."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    markdown = render_markdown(report)
    out.with_suffix(".md").write_text(markdown + "\n", encoding="utf-8")
    if docs:
        update_docs(DOCS_PAGE, markdown)
    print(markdown)
    print(f"\nWritten to {out} and {out.with_suffix('.md')}.")


@contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    folder = Path(tempfile.mkdtemp(prefix="syncrag-retrieval-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _enable_everything(api: EmulatedSyncApi) -> None:
    """Every sample user's files, contacts and tickets syncs, enabled and scanned."""
    for user in sample_users():
        for pipeline, integration in sorted(user.integrations.items()):
            api.client.enable_sync(user.name, integration, pipeline)
    api.scan("incremental")


def _ingest(
    api: EmulatedSyncApi, embedder: Embedder, folder: Path, store: EdgeVectorStore
) -> tuple[IndexReport, float, float]:
    """Pulls and indexes every user into a fresh state DB in `folder`; returns the summed index
    report, and the wall and CPU seconds of pull plus index."""
    state = StateStore.open(f"sqlite:///{folder / 'state.db'}")
    total = IndexReport()
    try:
        indexer = Indexer(
            client=api.client,
            state=state,
            chunker=MarkdownChunker(embedder.count_tokens, embedder.max_tokens),
            embedder=embedder,
            store=store,
        )
        users = [u.name for u in sample_users()]
        wall, cpu = time.perf_counter(), time.process_time()
        for user in users:
            for sync in api.client.list_syncs(user):
                remember_sync(state, user, sync)
            pull_user(api.client, state, user)
            part = indexer.index_user(user)
            for name in ("chunks_total", "chunks_embedded"):
                setattr(total, name, getattr(total, name) + getattr(part, name))
            total.seconds_embedding += part.seconds_embedding
            total.seconds_storing += part.seconds_storing
        return total, time.perf_counter() - wall, time.process_time() - cpu
    finally:
        state.close()


def _time_ingests(
    api: EmulatedSyncApi, embedder: Embedder, work: Path, rounds: int
) -> tuple[list[IngestRun], EdgeVectorStore]:
    """`rounds` ingests of each kind, in ABBA order so that drift in the machine's load falls on
    both alike; returns the runs and the last hybrid store."""
    runs: list[IngestRun] = []
    last: EdgeVectorStore | None = None
    for number in range(rounds):
        order = (DENSE_ONLY, HYBRID) if number % 2 == 0 else (HYBRID, DENSE_ONLY)
        for variant in order:
            folder = work / f"ingest-{number}-{'hybrid' if variant == HYBRID else 'dense'}"
            folder.mkdir(parents=True, exist_ok=True)
            lexical = variant == HYBRID
            store = EdgeVectorStore(
                folder / "qdrant",
                collection_name_for(
                    embedder.model_name, embedder.dimension, LEXICAL_SCHEME if lexical else None
                ),
                embedder.dimension,
                lexical=lexical,
            )
            report, wall, cpu = _ingest(api, embedder, folder, store)
            runs.append(
                IngestRun(
                    variant,
                    number,
                    wall,
                    cpu,
                    report.chunks_total,
                    report.chunks_embedded,
                    report.seconds_embedding,
                    report.seconds_storing,
                )
            )
            if lexical:
                last = store
    assert last is not None
    return runs, last


def indexed_documents(
    store: EdgeVectorStore, users: Sequence[str]
) -> dict[str, dict[str, IndexedDocument]]:
    """What the index holds per user and record (title, chunk texts, section headings)."""
    found: dict[str, dict[str, IndexedDocument]] = {}
    with store.open() as index:
        for user in users:
            documents: dict[str, IndexedDocument] = {}
            for point in index.scroll(user):
                payload = point.payload
                key = document_key(str(payload.get("external_id") or payload["record_id"]))
                doc = documents.setdefault(key, IndexedDocument(str(payload.get("title") or "")))
                doc.chunks.append(str(payload.get("text", "")))
                path = [str(h) for h in payload.get("heading_path") or []]
                if len(path) > 1:  # the first is the record's title
                    doc.headings.add(path[-1])
            found[user] = documents
    return found


def _demo_corpus(store: EdgeVectorStore, corpus_root: Path, note: str) -> Corpus:
    users = [u.name for u in sample_users()]
    documents = indexed_documents(store, users)
    samples = sample_documents()
    queries: list[LabeledQuery] = []
    for user in users:
        queries.extend(questions("demo", user, DEMO_QUESTIONS[user], documents[user]))
    queries.extend(demo_identifier_queries(corpus_root, samples, documents))
    queries.extend(demo_phrase_queries(samples, documents))
    return Corpus("demo", note, store, documents, queries)


def _python_docs_corpus(source: Path, embedder: Embedder, work: Path) -> Corpus:
    """The chosen pages of Python's docs as one user's text files, ingested once (hybrid)."""
    root = work / "python-docs"
    pages = python_pages(source)
    folder = pipeline_folder(root, PYTHON_DOCS_USER)
    texts: dict[str, str] = {}
    for page in pages:
        relative = page.relative_to(source).as_posix()
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
        texts[document_key(relative)] = page.read_text(encoding="utf-8", errors="replace")
    api = EmulatedSyncApi(root, work / "python-docs-api")
    api.start()
    store = EdgeVectorStore(
        work / "python-docs-qdrant",
        collection_name_for(embedder.model_name, embedder.dimension),
        embedder.dimension,
    )
    try:
        api.enable([PYTHON_DOCS_USER])
        state = StateStore.open(f"sqlite:///{work / 'python-docs-state.db'}")
        try:
            for sync in api.client.list_syncs(PYTHON_DOCS_USER):
                remember_sync(state, PYTHON_DOCS_USER, sync)
            pull_user(api.client, state, PYTHON_DOCS_USER)
            started = time.perf_counter()
            report = Indexer(
                client=api.client,
                state=state,
                chunker=MarkdownChunker(embedder.count_tokens, embedder.max_tokens),
                embedder=embedder,
                store=store,
            ).index_user(PYTHON_DOCS_USER)
            seconds = time.perf_counter() - started
        finally:
            state.close()
    finally:
        api.close()
    documents = indexed_documents(store, [PYTHON_DOCS_USER])
    megabytes = sum(len(t.encode()) for t in texts.values()) / 1e6
    note = (
        f"{len(pages)} reST pages of {source} ({megabytes:.1f} MB: "
        "tutorial, reference, FAQ, glossary, 4 what's-new pages, 3 how-tos, 54 library modules); "
        f"{report.chunks_total} chunks, indexed in {seconds:.0f} s"
    )
    user_documents = documents[PYTHON_DOCS_USER]
    queries = questions("python-docs", PYTHON_DOCS_USER, PYTHON_QUESTIONS, user_documents)
    queries.extend(python_identifier_queries(texts, user_documents, PYTHON_DOCS_USER))
    return Corpus("python-docs", note, store, documents, queries)


def _run_queries(corpus: Corpus, embedder: Embedder) -> list[QueryOutcome]:
    """Each query in each mode; also keeps both candidate lists for the fusion variants."""
    vectors = embedder.embed([q.text for q in corpus.queries]) if corpus.queries else []
    outcomes: list[QueryOutcome] = []
    depth = prefetch_limit(MRR_DEPTH)
    with corpus.store.open() as index:
        for query, vector in zip(corpus.queries, vectors, strict=True):
            sparse = query_vector(query.text)
            hits = {
                "dense": index.search(query.user, vector, MRR_DEPTH),
                "sparse": index.search(query.user, None, MRR_DEPTH, sparse=sparse),
                "hybrid": index.search(query.user, vector, MRR_DEPTH, sparse=sparse),
            }
            dense_list = index.search(query.user, vector, depth)
            sparse_list = index.search(query.user, None, depth, sparse=sparse)
            for label, k, lexical_weight in FUSION_VARIANTS:
                hits[label] = fuse(dense_list, sparse_list, k, lexical_weight)[:MRR_DEPTH]
            outcomes.append(
                QueryOutcome(
                    query,
                    {mode: _first_rank(query, found) for mode, found in hits.items()},
                    {mode: _chunk_hit(query, found) for mode, found in hits.items()},
                )
            )
    return outcomes


def fuse(
    dense: Sequence[SearchHit], sparse: Sequence[SearchHit], k: int, lexical_weight: float
) -> list[SearchHit]:
    """Weighted reciprocal rank fusion of two ranked lists, as Qdrant computes it: a hit at
    0-based position p of a side weighted w scores 1 / ((p + 1) / w + k - 1)."""
    scores: dict[str, float] = {}
    by_id: dict[str, SearchHit] = {}
    for weight, hits in ((DENSE_WEIGHT, dense), (lexical_weight, sparse)):
        for position, hit in enumerate(hits):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1 / ((position + 1) / weight + k - 1)
            by_id.setdefault(hit.id, hit)
    ordered = sorted(scores, key=lambda pid: -scores[pid])
    return [SearchHit(pid, scores[pid], by_id[pid].payload) for pid in ordered]


def _hit_key(hit: SearchHit) -> str:
    return document_key(str(hit.payload.get("external_id") or hit.payload.get("record_id")))


def _first_rank(query: LabeledQuery, hits: Sequence[SearchHit]) -> int | None:
    for rank, hit in enumerate(hits, start=1):
        if _hit_key(hit) in query.relevant:
            return rank
    return None


def _chunk_hit(query: LabeledQuery, hits: Sequence[SearchHit]) -> bool:
    if not query.markers:
        return False
    markers = [fold(m) for m in query.markers]
    return any(
        _hit_key(hit) in query.relevant
        and any(m in fold(str(hit.payload.get("text", ""))) for m in markers)
        for hit in hits[:K]
    )


if __name__ == "__main__":
    sys.exit(main())
