"""The dead_runs sensor: a run whose process died is marked failed; live and foreign runs stay."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from dagster import (
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    build_sensor_context,
    instance_for_test,
)

from assets.run_guard import HOST_TAG, PROCESS_TAG, ProcessIdentity, process_tags
from pipelines.dead_runs import build_dead_run_sensor
from pipelines.definitions import build_definitions


def dead_process_tags() -> dict[str, str]:
    """The tags a run would carry had it run in a process that has since exited."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], stdout=subprocess.PIPE
    )
    tags = process_tags()
    stat = Path(f"/proc/{child.pid}/stat").read_text(encoding="ascii")
    this = ProcessIdentity.this_process()
    tags[PROCESS_TAG] = ProcessIdentity(
        child.pid, stat.rsplit(")", 1)[1].split()[19], this.boot
    ).tag()
    child.kill()
    child.wait()
    if child.stdout is not None:
        child.stdout.close()
    return tags


def started_run(instance: DagsterInstance, tags: dict[str, str]) -> str:
    run = DagsterRun(
        job_name="ingest_user",
        run_id=str(uuid.uuid4()),
        status=DagsterRunStatus.STARTED,
        tags={"dagster/partition": "alice", **tags},
    )
    instance.add_run(run)
    return run.run_id


def status_of(instance: DagsterInstance, run_id: str) -> DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def test_a_run_whose_process_died_is_marked_failed_by_the_sensor_tick() -> None:
    sensor = build_dead_run_sensor()
    with instance_for_test() as instance:
        dead = started_run(instance, dead_process_tags())
        alive = started_run(instance, process_tags())
        elsewhere = started_run(instance, {**dead_process_tags(), HOST_TAG: "another-host"})
        untagged = started_run(instance, {})

        result = sensor.evaluate_tick(build_sensor_context(instance=instance))

        assert status_of(instance, dead) == DagsterRunStatus.FAILURE
        for run_id in (alive, elsewhere, untagged):
            assert status_of(instance, run_id) == DagsterRunStatus.STARTED
        assert result.skip_message == "marked 1 dead run(s) failed"
        failure = instance.all_logs(dead)[-1]
        assert "is gone" in (failure.message or "")
        assert "pid unknown" not in (failure.message or "")


def test_a_pid_reused_by_another_process_still_counts_as_dead() -> None:
    sensor = build_dead_run_sensor()
    with instance_for_test() as instance:
        # This test's own pid, but another start time: the run's process is not this one.
        this = ProcessIdentity.this_process()
        other = ProcessIdentity(this.pid, "1", this.boot)
        reused = started_run(instance, {**process_tags(), PROCESS_TAG: other.tag()})
        sensor.evaluate_tick(build_sensor_context(instance=instance))
        assert status_of(instance, reused) == DagsterRunStatus.FAILURE


def test_with_nothing_dead_the_tick_skips() -> None:
    with instance_for_test() as instance:
        result = build_dead_run_sensor().evaluate_tick(build_sensor_context(instance=instance))
        assert result.skip_message == "no dead runs"
        assert not result.run_requests


def test_the_code_location_runs_the_sensor() -> None:
    assert build_definitions().resolve_sensor_def("dead_runs").name == "dead_runs"


def test_a_run_names_its_process_in_one_tag_beside_its_host() -> None:
    tags = process_tags()

    assert sorted(tags) == [HOST_TAG, PROCESS_TAG]
    assert ProcessIdentity.parse(tags[PROCESS_TAG]) == ProcessIdentity.this_process()
    assert ProcessIdentity.parse("") is None
    assert ProcessIdentity.parse("pid=abc") is None
