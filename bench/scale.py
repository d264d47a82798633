"""`python -m bench scale --users N` (issue 10, "Measure it"): N users of a few small documents,
their initial ingest through the daemon's sensor, then one small change for every user at once
through the real stack (emulator -> receiver -> inbox -> daemon's sensor -> runs -> searchable).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.ceiling import ModelCeiling, runtime_embedder
from bench.corpus import INTEGRATION, PIPELINE, pipeline_folder
from bench.latency import write_atomically
from bench.scale_procs import TreeSampler, window
from bench.scale_report import ScaleResult
from bench.scale_stack import PostgresDatabases, ScaleStack
from bench.stats import percentile
from ingest import remember_sync
from resources.embedding import Embedder
from resources.vectors import EdgeVectorStore, collection_name_for

CHANGED_DOCUMENT = "doc-0.md"
POLL_S = 0.5
WORDS = (
    "invoice",
    "quarterly",
    "roadmap",
    "kettle",
    "release",
    "onboarding",
    "warehouse",
    "supplier",
    "contract",
    "review",
    "budget",
    "forecast",
    "migration",
    "customer",
    "ticket",
    "escalation",
    "deadline",
    "audit",
    "policy",
    "vendor",
    "meeting",
    "agenda",
    "summary",
    "proposal",
    "renewal",
    "pricing",
    "shipment",
    "inventory",
    "schedule",
    "training",
    "incident",
)


def small_document(user: str, number: int, rng: random.Random, extra: str = "") -> str:
    """A short Markdown note (about 120 words) of `user`, distinct from every other one."""
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."
        for _ in range(10)
    ]
    body = f"# Note {number} of {user}\n\n" + " ".join(sentences[:5]) + "\n\n"
    body += " ".join(sentences[5:]) + "\n"
    return body + (f"\n{extra}\n" if extra else "")


def user_name(index: int) -> str:
    return f"scale-user-{index:05d}"


def measure_scale(
    workdir: Path,
    *,
    repo_root: Path,
    users: int,
    docs_per_user: int,
    backend: str,
    seed: int = 0,
    postgres: PostgresDatabases | None = None,
    batch_users: int | None = None,
    timeout_s: float = 1800.0,
    say: Callable[[str], None] = print,
) -> ScaleResult:
    rng = random.Random(seed)
    names = [user_name(i) for i in range(users)]
    stack = ScaleStack(
        workdir, repo_root, embedding_backend=backend, postgres=postgres, batch_users=batch_users
    )
    for user in names:
        for number in range(docs_per_user):
            path = pipeline_folder(stack.corpus, user) / f"doc-{number}.md"
            write_atomically(path, small_document(user, number, rng))
    embedder = runtime_embedder(backend, 32)
    notes: list[str] = []
    with stack.running() as client:
        assert stack.daemon is not None
        with TreeSampler(stack.daemon.pid) as sampler:
            started = time.monotonic()
            for user in names:
                remember_sync(stack.state, user, client.enable_sync(user, INTEGRATION, PIPELINE))
            expected = users * docs_per_user
            _wait(lambda: stack.indexed_count() >= expected, timeout_s, stack, "initial ingest")
            _wait(lambda: stack.runs_unfinished() == 0, timeout_s, stack, "initial runs to end")
            initial_s = time.monotonic() - started
            initial_runs = stack.runs_since(datetime.fromtimestamp(0, UTC)).created
            say(f"  scale: initial ingest of {expected} documents: {initial_s:.1f} s")
            time.sleep(3.0)  # a few idle sensor ticks: the burst's ticks start clean

            burst_at = datetime.now(UTC)
            before = sampler.snapshot()
            tokens = {user: f"zq{secrets.token_hex(5)}" for user in names}
            texts: dict[str, str] = {}
            written: dict[str, float] = {}
            for user in names:
                line = f"Change for {user} carries the marker {tokens[user]}."
                texts[user] = small_document(user, 0, random.Random(user), extra=line)
                written[user] = time.time()
                path = pipeline_folder(stack.corpus, user) / CHANGED_DOCUMENT
                write_atomically(path, texts[user])
            done: dict[str, float] = {}

            def absorbed() -> bool:
                for user, moment in stack.indexed_at(CHANGED_DOCUMENT).items():
                    if user in written and moment >= written[user]:
                        done.setdefault(user, moment)
                return len(done) == users

            _wait(absorbed, timeout_s, stack, "the burst to be indexed")
            _wait(lambda: stack.runs_unfinished() == 0, timeout_s, stack, "burst runs to end")
            burst = window(before, sampler.snapshot())
        wall_s = max(done.values()) - min(written.values())
        runs = stack.runs_since(burst_at)
        ticks = stack.sensor_ticks(burst_at.timestamp())
        daemon_log = stack.daemon_log
    latencies = sorted(done[u] - written[u] for u in names)
    found = searchable(stack, embedder, texts, tokens)
    if found < users:
        notes.append(f"only {found} of {users} changes were found by a search after the burst")
    model = ModelCeiling(embedder).measure(list(texts.values()))
    model_cpu = model[1] if model else 0.0
    tick_s = [seconds for seconds, _ in ticks]
    say(f"  scale: burst absorbed in {wall_s:.1f} s by {runs.created} runs")
    return ScaleResult(
        users=users,
        docs_per_user=docs_per_user,
        backend=backend,
        instance="sqlite" if postgres is None else "postgresql (instance and state DB)",
        initial_ingest_s=initial_s,
        initial_runs=initial_runs,
        runs=runs.created,
        runs_by_status=runs.by_status,
        users_per_run=runs.users_per_run,
        run_seconds_p50=percentile(runs.run_seconds, 50),
        wall_s=wall_s,
        p50_s=percentile(latencies, 50),
        p95_s=percentile(latencies, 95),
        cpu_s=burst.cpu_s,
        model_cpu_s=model_cpu,
        peak_rss=burst.peak_rss,
        processes=burst.processes,
        tick_p50_s=percentile(tick_s, 50),
        tick_max_s=max(tick_s) if tick_s else None,
        ticks=len(ticks),
        ticks_with_runs=sum(1 for _, count in ticks if count),
        searchable=found,
        notes=[*notes, f"daemon log: {daemon_log}"],
    )


def searchable(
    stack: ScaleStack, embedder: Embedder, texts: dict[str, str], tokens: dict[str, str]
) -> int:
    """How many users' changes a search of their own index finds (top 5), after the burst."""
    users = list(texts)
    queries = [f"Change for {user} carries the marker {tokens[user]}." for user in users]
    vectors = embedder.embed(queries)
    store = EdgeVectorStore(
        stack.edge_path,
        collection_name_for(embedder.model_name, embedder.dimension),
        embedder.dimension,
        lock_timeout=60.0,
    )
    with store.open() as index:
        return sum(
            any(tokens[user] in str(hit.payload.get("text", "")) for hit in hits)
            for user, vector in zip(users, vectors, strict=True)
            for hits in [index.search(user, vector, limit=5)]
        )


def _wait(condition: Callable[[], bool], timeout_s: float, stack: ScaleStack, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if not stack.daemon_alive():
            raise RuntimeError(
                f"the daemon exited while waiting for {what}; see {stack.daemon_log}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done in {timeout_s:.0f} s; see {stack.daemon_log}")
        time.sleep(POLL_S)
