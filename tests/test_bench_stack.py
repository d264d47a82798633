"""The harness's syncrag stack end to end on a tiny corpus with the fake embedder (no timings)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from bench import memory_child
from bench.changes import apply_deletions, apply_edits
from bench.corpus import build_synthetic_corpus
from bench.recording import RecordingEmbedder
from bench.stack import EmulatedSyncApi, SyncragStack
from resources.embedding import FakeEmbedder


def test_the_stack_indexes_resyncs_for_free_and_removes_deleted_documents(tmp_path: Path) -> None:
    corpus = build_synthetic_corpus(
        tmp_path / "corpus", users=1, docs_per_user=4, seed=2, formats=("md",)
    )
    embedder = RecordingEmbedder(FakeEmbedder(dimension=32))
    edited, deleted = corpus.documents[0], corpus.documents[1]
    with SyncragStack(corpus.root, tmp_path / "work", embedder) as stack:
        stack.enable(corpus.users)

        initial = stack.sync(corpus.users)
        texts, _, _ = embedder.take()
        resync = stack.sync(corpus.users)

        apply_edits((edited,), seed=1)
        stack.api.scan("incremental")
        edit = stack.sync(corpus.users)

        apply_deletions((deleted,))
        stack.api.scan("full")
        removal = stack.sync(corpus.users, reconcile=True)
        left = stack.points_of({deleted.user: {deleted.external_id}})
        remaining = stack.point_count(corpus.users)

    assert initial.index.records_indexed == 4
    assert initial.index.chunks_embedded == len(texts) > 0
    assert resync.index.chunks_embedded == 0 and resync.records_pulled == 0
    assert 1 <= edit.index.chunks_embedded < initial.index.chunks_embedded
    assert removal.records_deleted_by_feed == 1 and removal.index.records_purged == 1
    assert left == 0 and remaining > 0


def test_the_memory_child_ingests_and_reports_its_peak_rss(tmp_path: Path) -> None:
    corpus = build_synthetic_corpus(
        tmp_path / "corpus", users=1, docs_per_user=2, seed=3, formats=("txt",)
    )
    api = EmulatedSyncApi(corpus.root, tmp_path / "api")
    api.start()
    try:
        api.enable(corpus.users)
        out = io.StringIO()
        with redirect_stdout(out):
            code = memory_child.main(
                [
                    "--api-url",
                    api.url,
                    "--key-path",
                    str(api.private_key_path),
                    "--workdir",
                    str(tmp_path / "child"),
                    "--user",
                    corpus.users[0],
                ]
            )
    finally:
        api.close()

    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert code == 0
    assert report["records"] == 2 and report["chunks"] >= 2
    assert report["peak_rss_mib"] > 10


def test_peak_rss_is_read_from_vmhwm() -> None:
    status = "Name:\tpython\nVmPeak:\t 900000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t 1000 kB\n"
    assert memory_child.peak_rss_mib(status) == 512.0
