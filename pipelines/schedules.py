"""Schedules, the safety net under webhooks: an incremental poll and a daily full reconcile."""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from pipelines.jobs import ingest_user_job
from pipelines.partitions import USERS_PARTITIONS_NAME

FULL_RECONCILE_RUN_CONFIG = {"ops": {"synced_records": {"config": {"full_reconcile": True}}}}


def build_schedules(
    incremental_poll_cron: str, full_reconcile_cron: str
) -> list[ScheduleDefinition]:
    """The two schedules at the configured crons; each asks for one run per known user."""

    @schedule(
        name="incremental_poll",
        job=ingest_user_job,
        cron_schedule=incremental_poll_cron,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Pull every user's changes from its cursor, for webhooks that never came.",
    )
    def incremental_poll(context: ScheduleEvaluationContext) -> list[RunRequest]:
        return [
            RunRequest(
                partition_key=user,
                run_key=_run_key(user, "incremental_poll", context),
                tags={"syncrag/trigger": "incremental_poll"},
            )
            for user in context.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME)
        ]

    @schedule(
        name="full_reconcile",
        job=ingest_user_job,
        cron_schedule=full_reconcile_cron,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Re-list every sync from the start and remove what a complete listing lacks "
        "(guarded against abnormal listings and mass deletions).",
    )
    def full_reconcile(context: ScheduleEvaluationContext) -> list[RunRequest]:
        return [
            RunRequest(
                partition_key=user,
                run_key=_run_key(user, "full_reconcile", context),
                run_config=FULL_RECONCILE_RUN_CONFIG,
                tags={"syncrag/trigger": "full_reconcile"},
            )
            for user in context.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME)
        ]

    return [incremental_poll, full_reconcile]


def _run_key(user: str, schedule_name: str, context: ScheduleEvaluationContext) -> str:
    # Dagster refuses a tick of several requests without run keys, and skips a request whose
    # key it has already launched: the tick's time keeps each key to one tick, the schedule's
    # name apart from the other schedule's.
    return f"{user}:{schedule_name}:{context.scheduled_execution_time.isoformat()}"
