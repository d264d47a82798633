"""Where a batch run's CPU goes, per user-change: `python -m bench.batch_profile`.

Ingests `--users` users of three small notes each (batch runs, not measured), rewrites one note
of each of `--batch` users, then runs one `ingest_users` run over them in this process
(`execute_in_process` on an instance on SQLite, as `syncrag demo` keeps it) under cProfile timed
by this process's CPU. It reports CPU seconds per user-change: Dagster storing the run's events
(materializations, check evaluations, log lines), the embedding model, and the rest (syncrag's
pull, index and ledger, and Dagster's own execution). The emulator serves from a process of its
own and is not counted; neither is a run's start-up (process, imports, model load), which
`python -m bench scale` measures with whole runs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from dagster import DagsterInstance, Definitions, JobDefinition

from assets import synced_records, vector_index
from bench.corpus import pipeline_folder
from bench.latency import write_atomically
from bench.scale import small_document, user_name
from bench.stack import PROJECT_ID, EmulatedSyncApi
from ingest import remember_sync
from pipelines.batch_job import batch_run_config, ingest_users_job
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.resources import build_resources
from pipelines.settings import Settings
from resources.state import StateStore

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
DOCS_PER_USER = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_profile", description=__doc__)
    parser.add_argument("--users", type=int, default=50, help="users ingested first")
    parser.add_argument("--batch", type=int, default=25, help="users changed and run together")
    parser.add_argument("--embedding-backend", default="onnx-int8")
    args = parser.parse_args(argv)
    if not 0 < args.batch <= args.users:
        parser.error("--batch must be between 1 and --users")
    with tempfile.TemporaryDirectory(prefix="syncrag-batch-profile-") as scratch:
        profile(Path(scratch), args.users, args.batch, args.embedding_backend)
    return 0


def profile(workdir: Path, users: int, batch: int, backend: str) -> None:
    corpus, home = workdir / "corpus", workdir / "dagster"
    home.mkdir(parents=True)
    rng = random.Random(0)
    names = [user_name(i) for i in range(users)]
    for user in names:
        for number in range(DOCS_PER_USER):
            write_atomically(
                pipeline_folder(corpus, user) / f"doc-{number}.md",
                small_document(user, number, rng),
            )
    api = EmulatedSyncApi(corpus, workdir)
    api.start()
    try:
        settings = Settings.from_env(
            {
                "SYNCRAG_SYNC_API_URL": api.url,
                "SYNCRAG_PARAGON_PROJECT_ID": PROJECT_ID,
                "SYNCRAG_SIGNING_KEY_PATH": str(api.private_key_path),
                "SYNCRAG_STATE_URL": f"sqlite:///{workdir / 'state.db'}",
                "SYNCRAG_QDRANT_EDGE_PATH": str(workdir / "qdrant"),
                "SYNCRAG_EMBEDDING_BACKEND": backend,
            }
        )
        with StateStore.open(settings.state_url) as state:
            api.enable(names)
            for user in names:
                for sync in api.client.list_syncs(user):
                    remember_sync(state, user, sync)
        job = Definitions(
            assets=[synced_records, vector_index],
            jobs=[ingest_users_job],
            resources=build_resources(settings),
        ).resolve_job_def(ingest_users_job.name)
        with DagsterInstance.local_temp(str(home)) as instance:
            instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, names)
            for start in range(0, users, 25):
                _run(job, instance, names[start : start + 25])
            changed = names[:batch]
            for user in changed:
                path = pipeline_folder(corpus, user) / "doc-0.md"
                write_atomically(path, small_document(user, 0, rng, extra="A changed line."))
            api.scan("incremental")
            _run(job, instance, changed)  # warm: the first run pays one-off imports
            for user in changed:
                path = pipeline_folder(corpus, user) / "doc-0.md"
                write_atomically(path, small_document(user, 0, rng, extra="Changed again."))
            api.scan("incremental")
            profiler = cProfile.Profile(time.process_time)
            cpu = time.process_time()
            profiler.enable()
            _run(job, instance, changed)
            profiler.disable()
            cpu = time.process_time() - cpu
    finally:
        api.close()
    _report(pstats.Stats(profiler), cpu, batch)


def _run(job: JobDefinition, instance: DagsterInstance, users: list[str]) -> None:
    result = job.execute_in_process(
        instance=instance, run_config={**QUIET, **batch_run_config(users)}, raise_on_error=False
    )
    if not result.success:
        raise RuntimeError(f"the batch run over {len(users)} users failed")


def _report(stats: pstats.Stats, cpu: float, changes: int) -> None:
    events = _cumulative(stats, "event_methods.py", "handle_new_event")
    model = _cumulative(stats, "resources/embedding/base.py", "embed")
    rest = cpu - events - model
    print(f"one ingest_users run over {changes} users, one changed note each (SQLite instance)")
    print(f"  CPU in all        {cpu:7.2f} s  {cpu / changes:6.3f} s per change")
    for label, seconds in (
        ("Dagster's events", events),
        ("embedding model", model),
        ("everything else", rest),
    ):
        print(
            f"  {label:<17} {seconds:7.2f} s  {seconds / changes:6.3f} s per change "
            f"({seconds / cpu:4.0%})"
        )


def _cumulative(stats: pstats.Stats, file_part: str, function: str) -> float:
    """The cumulative CPU of one function (every call site together)."""
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps it untyped
    return sum(
        row[3]
        for (filename, _line, name), row in table.items()
        if name == function and file_part in filename.replace("\\", "/")
    )


if __name__ == "__main__":
    sys.exit(main())
