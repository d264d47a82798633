"""Change-to-searchable latency over the real stack (issue 4, "Measure").

A one-page Markdown file with a unique token is written into the folder the emulator serves (see
`bench.live_stack`), and the clock stops when a search of the user's index (the code path of
`syncrag query`, run here, read-only) returns the token's chunk.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.corpus import INTEGRATION, PIPELINE
from bench.latency_phases import ChangeTiming, phase_medians, split_phases
from bench.live_stack import POLL_INTERVAL_S, USER, LiveStack
from bench.results import LatencyResult
from bench.stats import percentile
from demo import synthetic_documents
from ingest import remember_sync
from resources.embedding import Embedder
from resources.vectors import EdgeVectorStore, collection_name_for

INITIAL_DOCUMENTS = 5
PAGE_WORDS = 350  # about one printed page
METHOD = (
    "real stack: emulator (incremental scan every 1 s, webhooks on) -> receiver -> inbox -> "
    "dagster-daemon sensor `sync_webhooks` at its default interval -> run in its own process "
    "-> search of the user's index in the bench process (the `syncrag query` code path)"
)


class LatencySetupError(RuntimeError):
    """The live stack did not come up; the message says which part and where its log is."""


def one_page_documents(count: int, *, seed: int) -> list[str]:
    """`count` distinct one-page Markdown bodies made of synthetic prose paragraphs."""
    paragraphs = [
        block
        for document in synthetic_documents(
            users=1, docs_per_user=max(20, count * 3), seed=seed, formats=("md",)
        )
        for block in document.markdown.split("\n\n")
        if block.strip() and not block.startswith(("#", "|"))
    ]
    pages: list[str] = []
    current: list[str] = []
    for paragraph in paragraphs:
        current.append(paragraph.strip())
        if sum(len(p.split()) for p in current) >= PAGE_WORDS:
            pages.append("\n\n".join(current))
            current = []
            if len(pages) == count:
                break
    if len(pages) < count:
        raise ValueError(f"the synthetic prose made only {len(pages)} pages of {count}")
    return pages


def page_with_token(body: str, token: str, number: int) -> tuple[str, str]:
    """The file's Markdown and the query that finds it: its first paragraph, token included."""
    first = f"Change {number} carries the marker {token}. " + body.split("\n\n", 1)[0]
    rest = body.split("\n\n", 1)[1] if "\n\n" in body else ""
    markdown = f"# Latency check {number}\n\n{first}\n\n{rest}\n"
    return markdown, first


def write_atomically(path: Path, text: str) -> None:
    # A dotfile renamed into place: the emulator skips dotfiles, so it never reads half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def measure_latency(
    workdir: Path,
    *,
    repo_root: Path,
    embedder: Embedder,
    backend: str,
    changes: int = 20,
    seed: int = 0,
    timeout_s: float = 180.0,
    setup_timeout_s: float = 600.0,
    say: Callable[[str], None] = print,
) -> LatencyResult:
    """p50 and p95 of change-to-searchable seconds over `changes` one-page documents."""
    pages = one_page_documents(INITIAL_DOCUMENTS + changes, seed=seed)
    stack = LiveStack(workdir, repo_root, embedding_backend=backend)
    for number, body in enumerate(pages[:INITIAL_DOCUMENTS]):
        write_atomically(stack.folder / "seed" / f"page-{number:02d}.md", body + "\n")
    store = EdgeVectorStore(
        stack.edge_path,
        collection_name_for(embedder.model_name, embedder.dimension),
        embedder.dimension,
        lock_timeout=60.0,
    )
    probe = SearchProbe(store)
    samples: list[float] = []
    timings: list[ChangeTiming] = []
    timeouts = 0
    notes: list[str] = []
    with stack.running() as client:
        sync = client.enable_sync(USER, INTEGRATION, PIPELINE)
        remember_sync(stack.state, USER, sync)
        started = time.monotonic()
        if not _wait_for(
            lambda: stack.indexed() >= INITIAL_DOCUMENTS,
            setup_timeout_s,
            stack.daemon_alive,
        ):
            raise LatencySetupError(
                f"the initial ingest did not finish in {setup_timeout_s:.0f} s "
                f"(daemon alive: {stack.daemon_alive()}); see {stack.daemon_log}"
            )
        notes.append(
            f"initial ingest of {INITIAL_DOCUMENTS} pages through the sensor took "
            f"{time.monotonic() - started:.1f} s (first run, cold)"
        )
        say(f"  latency: stack up; {notes[-1]}")
        for number, body in enumerate(pages[INITIAL_DOCUMENTS:], start=1):
            token = f"zq{secrets.token_hex(5)}"
            markdown, query = page_with_token(body, token, number)
            [vector] = embedder.embed([query])
            changed_at, written_at = time.monotonic(), time.time()
            write_atomically(stack.folder / "changes" / f"change-{number:02d}.md", markdown)
            found = _wait_for(
                functools.partial(probe.finds, vector, token),
                timeout_s,
                stack.daemon_alive,
            )
            if found:
                samples.append(time.monotonic() - changed_at)
                timings.append(ChangeTiming(written_at, time.time()))
                say(f"    change {number}: searchable after {samples[-1]:.1f} s")
            else:
                timeouts += 1
                say(f"    change {number}: not searchable within {timeout_s:.0f} s")
            if not stack.daemon_alive():
                notes.append(f"the daemon exited early; see {stack.daemon_log}")
                break
        runs, failed = stack.settle_runs()
        phases = split_phases(timings, stack.inbox_times(), runs)
    notes.append(f"{len(runs)} runs in all, {failed} failed")
    notes += [
        f"{count} searches failed and were retried: {reason}"
        for reason, count in probe.failures.items()
    ]
    cold = cold_start_seconds(repo_root, backend)
    notes.append(
        f"what every run process pays before its work, timed in a fresh process after the "
        f"measure: importing the code location {cold['code_location_s']:.1f} s, loading the "
        f"model and a first embedding {cold['model_s']:.1f} s"
    )
    return LatencyResult(
        method=METHOD,
        samples=samples,
        timeouts=timeouts,
        p50=percentile(samples, 50),
        p95=percentile(samples, 95),
        notes=notes,
        phases=phase_medians(phases),
        phases_matched=len(phases["to_inbox"]),
    )


class SearchProbe:
    """Searches the user's index for a token's chunk; counts the searches the store refused."""

    def __init__(self, store: EdgeVectorStore) -> None:
        self._store = store
        self.failures: dict[str, int] = {}

    def finds(self, vector: list[float], token: str) -> bool:
        if not self._store.shard_path.exists():
            return False
        try:
            with self._store.open() as index:
                hits = index.search(USER, vector, limit=5)
        except Exception as exc:
            # A query racing a run's write can fail (seen: Edge's flush on close); a user would
            # retry, so the probe does, and the report says how often it happened.
            reason = f"{type(exc).__name__}: {str(exc)[:160]}"
            self.failures[reason] = self.failures.get(reason, 0) + 1
            return False
        return any(token in str(hit.payload.get("text", "")) for hit in hits)


COLD_START_PROBE = """
import json, sys, time
started = time.perf_counter()
import pipelines.definitions
loaded = time.perf_counter()
from resources.embedding import embedder_from_settings
embedder_from_settings(sys.argv[1], None, "cpu", 32).embed(["a first text"])
print(json.dumps({"code_location_s": loaded - started, "model_s": time.perf_counter() - loaded}))
"""


def cold_start_seconds(repo_root: Path, backend: str) -> dict[str, float]:
    """Seconds a fresh process spends importing the code location, then loading the model."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", COLD_START_PROBE, backend],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait_for(condition: Callable[[], bool], timeout_s: float, alive: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and alive():
        if condition():
            return True
        time.sleep(POLL_INTERVAL_S)
    return False
