"""Runs the change scenarios on one corpus: syncrag, the model-alone ceiling and the peers.

Each scenario changes the corpus files, lets the emulator scan (the Sync API's own work, not
timed), then times syncrag's pass, replays exactly the texts syncrag embedded through the bare
model, and hands the peers the same extracted documents.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling import ModelCeiling
from bench.changes import ChangePlan, apply_deletions, apply_edits, apply_top_insert
from bench.corpus import BenchCorpus, BenchDocument
from bench.peer import LangChainPeer, PeerDocument, file_name
from bench.recording import RecordingEmbedder
from bench.results import ScenarioResult, SyncragRun
from bench.rss import PeakRss
from bench.stack import SyncOutcome, SyncragStack
from bench.texts import ExtractedTexts


@dataclass(frozen=True)
class Scenario:
    """A change to make, the emulator scan that publishes it, and what it deletes."""

    name: str
    description: str
    scan: str | None
    change: Callable[[], list[BenchDocument]]
    reconcile: bool = False
    deletes: bool = False


class ScenarioRunner:
    """Runs every scenario of one corpus in order; later scenarios build on earlier ones."""

    def __init__(
        self,
        corpus: BenchCorpus,
        plan: ChangePlan,
        *,
        workdir: Path,
        embedder: RecordingEmbedder,
        ceiling: ModelCeiling,
        peers: Sequence[LangChainPeer],
        seed: int,
        say: Callable[[str], None] = print,
    ) -> None:
        self.corpus = corpus
        self.plan = plan
        self.workdir = workdir
        self.embedder = embedder
        self.ceiling = ceiling
        self.peers = list(peers)
        self.seed = seed
        self.say = say
        self.texts = ExtractedTexts()

    def scenarios(self) -> list[Scenario]:
        plan = self.plan
        top = plan.top_insert
        return [
            Scenario(
                "initial",
                "initial ingest of the whole corpus",
                None,
                lambda: list(self.corpus.documents),
            ),
            Scenario("no_change", "resync with nothing changed", "incremental", list),
            Scenario(
                "edit_1pct",
                f"{len(plan.edits)} documents (1%) edited by one paragraph",
                "incremental",
                lambda: apply_edits(plan.edits, seed=self.seed),
            ),
            Scenario(
                "top_insert",
                "a paragraph inserted at the top of the longest editable document"
                + (f" ({top.external_id}, {top.words:,} words)" if top else " (none)"),
                "incremental",
                lambda: _insert_top(top),
            ),
            Scenario(
                "delete_5pct",
                f"{len(plan.deletions)} documents (5%) deleted, then full sync and reconcile",
                "full",
                lambda: _delete(plan.deletions),
                reconcile=True,
                deletes=True,
            ),
        ]

    def run(self) -> list[ScenarioResult]:
        results: list[ScenarioResult] = []
        users = self.corpus.users
        with SyncragStack(self.corpus.root, self.workdir, self.embedder) as stack:
            stack.enable(users)
            for scenario in self.scenarios():
                self.say(f"  {self.corpus.name}: {scenario.name}: {scenario.description}")
                changed = scenario.change()
                if scenario.scan is not None:
                    stack.api.scan(scenario.scan)
                result = self._run_one(stack, scenario, users, changed)
                results.append(result)
                self.say("    " + _summary(result))
        return results

    def _run_one(
        self,
        stack: SyncragStack,
        scenario: Scenario,
        users: list[str],
        changed: list[BenchDocument],
    ) -> ScenarioResult:
        self.embedder.take()
        _settle_heap()
        load = os.getloadavg()[0]
        with PeakRss() as peak:
            started, cpu_started = time.perf_counter(), time.process_time()
            outcome = stack.sync(users, reconcile=scenario.reconcile)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        texts, model_seconds, _ = self.embedder.take()
        deleted = _by_user(changed) if scenario.deletes else None
        run = _syncrag_run(outcome, seconds, model_seconds, peak.mib)
        run.cpu_seconds = cpu
        if deleted is not None:
            run.deleted_points_left = stack.points_of(deleted)
        _settle_heap()
        ceiling = self.ceiling.measure(texts)

        extraction_started = time.perf_counter()
        documents = self._peer_documents()
        extraction_seconds = time.perf_counter() - extraction_started
        peer_runs = []
        for peer in self.peers:
            _settle_heap()
            peer_run = peer.index(documents)
            if deleted is not None:
                peer_run.deleted_points_left = peer.points_of(deleted)
            peer_runs.append(peer_run)
        return ScenarioResult(
            corpus=self.corpus.name,
            scenario=scenario.name,
            description=scenario.description,
            documents_changed=len(changed),
            syncrag=run,
            ceiling_seconds=ceiling[0] if ceiling else None,
            peers=peer_runs,
            load_average=round(load, 2),
            ceiling_cpu_seconds=ceiling[1] if ceiling else None,
            extraction_seconds=extraction_seconds,
        )

    def _peer_documents(self) -> dict[str, list[PeerDocument]]:
        """Every live document's extracted text, per user, in path order (not timed)."""
        by_user: dict[str, list[PeerDocument]] = {}
        for document in sorted(self.corpus.live(), key=lambda d: (d.user, d.external_id)):
            markdown = self.texts.markdown(document)
            if markdown is None or not markdown.strip():
                continue
            by_user.setdefault(document.user, []).append(
                PeerDocument(document.external_id, file_name(document.external_id), markdown)
            )
        return by_user


def _settle_heap() -> None:
    """Collects garbage now and freezes the survivors, so that a collection over the bench's own
    heap (the peers' in-memory stores, cached texts) does not land inside the next timed block."""
    gc.collect()
    gc.freeze()


def _insert_top(document: BenchDocument | None) -> list[BenchDocument]:
    if document is None:
        return []
    apply_top_insert(document)
    return [document]


def _delete(documents: tuple[BenchDocument, ...]) -> list[BenchDocument]:
    apply_deletions(documents)
    return list(documents)


def _by_user(documents: Sequence[BenchDocument]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for document in documents:
        grouped.setdefault(document.user, set()).add(document.external_id)
    return grouped


def _syncrag_run(
    outcome: SyncOutcome, seconds: float, model_seconds: float, peak_mib: float
) -> SyncragRun:
    report = outcome.index
    return SyncragRun(
        seconds=seconds,
        embeddings=report.chunks_embedded,
        chunks_total=report.chunks_total,
        chunks_reused=report.chunks_reused,
        points_upserted=report.points_upserted,
        points_deleted=report.points_deleted,
        records_pulled=outcome.records_pulled,
        records_indexed=report.records_indexed,
        records_errored=report.records_errored,
        records_purged=report.records_purged,
        model_seconds=model_seconds,
        seconds_reading=report.seconds_reading,
        seconds_storing=report.seconds_storing,
        peak_rss_mib=peak_mib,
    )


def _summary(result: ScenarioResult) -> str:
    s = result.syncrag
    ceiling = f"{result.ceiling_seconds:.2f} s" if result.ceiling_seconds is not None else "-"
    peers = "; ".join(f"{p.name}: {p.seconds:.2f} s, {p.embeddings} emb" for p in result.peers)
    left = (
        f", deleted points left {s.deleted_points_left}"
        if s.deleted_points_left is not None
        else ""
    )
    return (
        f"syncrag {s.seconds:.2f} s, {s.embeddings} embedded, {s.chunks_reused} reused{left}; "
        f"ceiling {ceiling}; {peers}"
    )
