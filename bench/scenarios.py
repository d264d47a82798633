"""Runs one round of the change scenarios on one corpus: syncrag, the ceiling and the peers.

Each scenario changes the corpus files, lets the emulator scan (the Sync API's own work, not
timed), then measures each system once, in the round's order: syncrag's pass (its helper
processes' CPU included), the model alone on exactly the texts syncrag embedded (an earlier
round's texts for the same scenario when the ceiling runs first; the corpus and its changes are
the same in every round), and the peers, handed the same extracted documents.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import helper_cpu
from bench.ceiling import ModelCeiling
from bench.changes import ChangePlan, apply_deletions, apply_edits, apply_top_insert
from bench.corpus import BenchCorpus, BenchDocument
from bench.peer import Peer, PeerDocument, PeerRun, file_name
from bench.recording import RecordingEmbedder
from bench.results import ScenarioResult, SyncragRun
from bench.rss import PeakRss
from bench.stack import SyncOutcome, SyncragStack
from bench.texts import ExtractedTexts
from bench.vector_cache import PeerEncoder

SYNCRAG = "syncrag"
CEILING = "ceiling"


@dataclass(frozen=True)
class Scenario:
    """A change to make, the emulator scan that publishes it, and what it deletes."""

    name: str
    description: str
    scan: str | None
    change: Callable[[], list[BenchDocument]]
    reconcile: bool = False
    deletes: bool = False


@dataclass
class RoundSetup:
    """What a round needs beyond the corpus: its number and order, and what rounds share."""

    number: int
    order: list[str]
    # scenario name -> the texts syncrag embedded in it, kept across the rounds of one corpus
    ceiling_texts: dict[str, list[str]]
    # The initial ingest is set-up, not a measurement (the 10x corpus): no ceiling, and the
    # peers take syncrag's vectors through `encoder`'s cache.
    cached_initial: bool = False
    encoder: PeerEncoder | None = None


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
        peers: Sequence[Peer],
        seed: int,
        setup: RoundSetup | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.corpus = corpus
        self.plan = plan
        self.workdir = workdir
        self.embedder = embedder
        self.ceiling = ceiling
        self.peers = list(peers)
        self.seed = seed
        self.setup = setup or RoundSetup(0, [SYNCRAG, CEILING, *(p.key for p in peers)], {})
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
                self.say(
                    f"  {self.corpus.name}, round {self.setup.number + 1}: {scenario.name}: "
                    f"{scenario.description}"
                )
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
        setup = self.setup
        cached = setup.cached_initial and scenario.name == "initial"
        # syncrag first when the peers take its vectors, or when the ceiling has no texts yet.
        order = list(setup.order)
        if cached or scenario.name not in setup.ceiling_texts:
            order.remove(SYNCRAG)
            order.insert(0, SYNCRAG)
        if cached:
            order.remove(CEILING)
        deleted = _by_user(changed) if scenario.deletes else None
        load = os.getloadavg()[0]
        extraction_started = time.perf_counter()
        documents = self._peer_documents()
        extraction_seconds = time.perf_counter() - extraction_started
        run: SyncragRun | None = None
        ceiling: tuple[float, float] | None = None
        match: bool | None = None
        peer_runs: dict[str, PeerRun] = {}
        for system in order:
            _settle_heap()
            if system == SYNCRAG:
                run, embedded = self._syncrag(stack, scenario, users, deleted)
                if cached and setup.encoder is not None:
                    setup.encoder.cache = self.embedder.vectors
                if scenario.name not in setup.ceiling_texts:
                    setup.ceiling_texts[scenario.name] = embedded
                match = sorted(embedded) == sorted(setup.ceiling_texts[scenario.name])
            elif system == CEILING:
                ceiling = self.ceiling.measure(setup.ceiling_texts[scenario.name])
            else:
                peer = next(p for p in self.peers if p.key == system)
                peer_runs[system] = peer_run = peer.index(documents)
                peer_run.cached_vectors = cached
                if deleted is not None:
                    peer_run.deleted_points_left = peer.points_of(deleted)
        if setup.encoder is not None:
            setup.encoder.cache = None
        if self.embedder.vectors is not None:
            self.embedder.vectors = {}
        assert run is not None
        return ScenarioResult(
            corpus=self.corpus.name,
            scenario=scenario.name,
            description=scenario.description,
            documents_changed=len(changed),
            syncrag=run,
            ceiling_seconds=ceiling[0] if ceiling else None,
            peers=[peer_runs[p.key] for p in self.peers if p.key in peer_runs],
            load_average=round(load, 2),
            ceiling_cpu_seconds=ceiling[1] if ceiling else None,
            extraction_seconds=extraction_seconds,
            round=setup.number,
            order=order,
            ceiling_texts_match=match if ceiling is not None else None,
        )

    def _syncrag(
        self,
        stack: SyncragStack,
        scenario: Scenario,
        users: list[str],
        deleted: dict[str, set[str]] | None,
    ) -> tuple[SyncragRun, list[str]]:
        """syncrag's pass, timed, with its helpers' CPU; and the texts it embedded."""
        self.embedder.take()
        with PeakRss() as peak:
            cpu_started = helper_cpu.sample()
            started = time.perf_counter()
            outcome = stack.sync(users, reconcile=scenario.reconcile)
            seconds = time.perf_counter() - started
            cpu = helper_cpu.since(cpu_started)
        texts, model_seconds, _ = self.embedder.take()
        run = _syncrag_run(outcome, seconds, model_seconds, peak.mib)
        run.cpu_seconds = cpu.own
        run.helper_cpu_seconds = cpu.helpers
        if deleted is not None:
            run.deleted_points_left = stack.points_of(deleted)
        return run, texts

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


def release_heap() -> None:
    """Unfreezes what `_settle_heap` froze, so that a finished round's stores can be freed."""
    gc.unfreeze()
    gc.collect()


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
    peers = "; ".join(
        f"{p.key}: {p.seconds:.2f} s, {p.embeddings} emb"
        + (" (cached)" if p.cached_vectors else "")
        for p in result.peers
    )
    left = (
        f", deleted points left {s.deleted_points_left}"
        if s.deleted_points_left is not None
        else ""
    )
    return (
        f"syncrag {s.seconds:.2f} s, {s.embeddings} embedded, {s.chunks_reused} reused{left}; "
        f"ceiling {ceiling}; {peers}"
    )
