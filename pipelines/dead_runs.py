"""Runs whose process died (SIGKILL, the OOM killer) are marked failed, so that nothing waits on
them: not the run queue's limits, not a person reading the UI.

Dagster's own run monitoring cannot see this with the default run launcher (it has no worker
health check), and a run executed in process by `syncrag ingest` has no launcher at all. Every
ingest step tags its run with its process (`assets/run_guard.py`); the sensor below and the CLI
look for runs still STARTED whose process on this host is gone.
"""

from __future__ import annotations

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from assets.run_guard import HOST_TAG, PROCESS_TAG, ProcessIdentity, process_is_gone, process_tags

SENSOR_NAME = "dead_runs"
DEFAULT_INTERVAL_SECONDS = 15


def fail_dead_runs(instance: DagsterInstance) -> list[str]:
    """Marks STARTED runs of this host whose process is gone as failed; their ids."""
    here = process_tags()[HOST_TAG]
    records = instance.get_run_records(
        filters=RunsFilter(statuses=[DagsterRunStatus.STARTED], tags={HOST_TAG: here})
    )
    failed: list[str] = []
    for record in records:
        run = record.dagster_run
        if not process_is_gone(run.tags):
            continue
        # Read again: the run may have finished between the query and the check.
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status != DagsterRunStatus.STARTED:
            continue
        identity = ProcessIdentity.parse(run.tags.get(PROCESS_TAG))
        pid = identity.pid if identity else "unknown"
        instance.report_run_failed(
            current,
            f"The run's process (pid {pid} on {here}) is gone: it was "
            "killed or ran out of memory. syncrag marked the run failed; the next run of the "
            "partition picks up where it stopped.",
        )
        failed.append(run.run_id)
    return failed


def build_dead_run_sensor(
    minimum_interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
) -> SensorDefinition:
    """The sensor that marks dead runs failed."""

    @sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Marks runs whose process died (killed, out of memory) as failed, so that "
        "queue limits and the UI do not wait on them.",
    )
    def dead_runs(context: SensorEvaluationContext) -> SkipReason:
        failed = fail_dead_runs(context.instance)
        for run_id in failed:
            context.log.warning(f"run {run_id}'s process is gone: marked it failed")
        return SkipReason(f"marked {len(failed)} dead run(s) failed" if failed else "no dead runs")

    return dead_runs
