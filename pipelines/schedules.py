"""Schedules, the safety net under webhooks: an incremental poll and a daily full reconcile.

Each tick covers every known user in `ingest_users` runs of at most `batch_users` users each
(pipelines/run_batches.py): the runs a tick asks for grow with the users divided by the batch
size.
"""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from pipelines.batch_job import ingest_users_job
from pipelines.jobs import FULL_RECONCILE_RUN_CONFIG
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.run_batches import DEFAULT_BATCH_USERS, UserWork, ingest_run_requests

__all__ = ["FULL_RECONCILE_RUN_CONFIG", "build_schedules"]


def build_schedules(
    incremental_poll_cron: str,
    full_reconcile_cron: str,
    batch_users: int = DEFAULT_BATCH_USERS,
) -> list[ScheduleDefinition]:
    """The two schedules at the configured crons."""

    @schedule(
        name="incremental_poll",
        job=ingest_users_job,
        cron_schedule=incremental_poll_cron,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Pull every user's changes from its cursor, for webhooks that never came.",
    )
    def incremental_poll(context: ScheduleEvaluationContext) -> list[RunRequest]:
        return _every_user(context, "incremental_poll", batch_users, full_reconcile=False)

    @schedule(
        name="full_reconcile",
        job=ingest_users_job,
        cron_schedule=full_reconcile_cron,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Re-list every sync from the start and remove what a complete listing lacks "
        "(guarded against abnormal listings and mass deletions).",
    )
    def full_reconcile(context: ScheduleEvaluationContext) -> list[RunRequest]:
        return _every_user(context, "full_reconcile", batch_users, full_reconcile=True)

    return [incremental_poll, full_reconcile]


def _every_user(
    context: ScheduleEvaluationContext, name: str, batch_users: int, *, full_reconcile: bool
) -> list[RunRequest]:
    users = context.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME)
    return ingest_run_requests(
        [UserWork(user, _run_key(user, name, context)) for user in users],
        batch_users=batch_users,
        tags={"syncrag/trigger": name},
        full_reconcile=full_reconcile,
        # A schedule targets one job: a lone user gets a batch run of one.
        lone_user_run=False,
    )


def _run_key(user: str, schedule_name: str, context: ScheduleEvaluationContext) -> str:
    # Dagster refuses a tick of several requests without run keys, and skips a request whose
    # key it has already launched: the tick's time keeps each key to one tick, the schedule's
    # name apart from the other schedule's.
    return f"{user}:{schedule_name}:{context.scheduled_execution_time.isoformat()}"
