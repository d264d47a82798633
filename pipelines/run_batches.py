"""How the sensor and the schedules turn users with work into run requests: one partition run
for a lone user, batch runs of at most `batch_users` users otherwise, so that the number of runs
grows with the work divided by the batch size, never with the number of users."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dagster import RunRequest

from pipelines.batch_job import BATCH_JOB_NAME, batch_run_config
from pipelines.jobs import FULL_RECONCILE_RUN_CONFIG, INGEST_JOB_NAME

# Fewer, larger runs: on 2 cores and one embedded store, 100 one-change users took 4 runs of 25
# (p50 13.6 s to searchable, 0.198 CPU-s a change beyond the model) or 2 of 50 (9.4 s, 0.132);
# `python -m bench scale --batch-users N`, docs/benchmarks.md.
DEFAULT_BATCH_USERS = 50


@dataclass(frozen=True)
class UserWork:
    """A user with work to do, what makes this request for it unique (its run key), and tags
    for a run of the user alone."""

    user: str
    key: str
    tags: Mapping[str, str] = field(default_factory=dict)


def ingest_run_requests(
    work: Sequence[UserWork],
    *,
    batch_users: int,
    tags: Mapping[str, str],
    full_reconcile: bool = False,
    lone_user_run: bool = True,
) -> list[RunRequest]:
    """Run requests covering every user of `work` once, in order.

    With `lone_user_run` (for a target of both jobs, the sensor), a user alone in its request
    (the only user, or `batch_users` is 1) gets an `ingest_user` run of its partition; every
    other request is an `ingest_users` batch run.

    Run keys derive from the users' keys only: a tick evaluated again asks for the same runs
    (which Dagster skips), and new work always gets new keys.
    """
    if batch_users < 1:
        raise ValueError(f"batch_users must be at least 1, got {batch_users}.")
    if lone_user_run and (len(work) == 1 or batch_users == 1):
        return [
            RunRequest(
                job_name=INGEST_JOB_NAME,
                partition_key=one.user,
                run_key=one.key,
                run_config=FULL_RECONCILE_RUN_CONFIG if full_reconcile else {},
                tags={**tags, **one.tags},
            )
            for one in work
        ]
    requests = []
    for start in range(0, len(work), batch_users):
        batch = work[start : start + batch_users]
        digest = hashlib.sha256("\n".join(w.key for w in batch).encode("utf-8")).hexdigest()
        requests.append(
            RunRequest(
                job_name=BATCH_JOB_NAME,
                run_key=f"batch:{len(batch)}:{digest[:24]}",
                run_config=batch_run_config([w.user for w in batch], full_reconcile=full_reconcile),
                tags={
                    **tags,
                    "syncrag/users": str(len(batch)),
                    "syncrag/first_user": batch[0].user,
                },
            )
        )
    return requests
