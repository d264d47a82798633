"""Sensor `sync_webhooks`: turns the webhook inbox into one run request per user and tick."""

from collections import defaultdict

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipelines.jobs import ingest_user_job
from pipelines.partitions import USERS_PARTITIONS_NAME, users_partitions
from resources.state import EventStatus, InboxEvent, StateStore, SyncStatus
from resources.state_resource import StateResource

SENSOR_NAME = "sync_webhooks"
MAX_EVENTS_PER_TICK = 5000
ERRORED_EVENT = "sync_errored"


def build_webhook_sensor(minimum_interval_seconds: int) -> SensorDefinition:
    """The sensor at the configured interval."""

    @sensor(
        name=SENSOR_NAME,
        job=ingest_user_job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Reads webhook events from the inbox after its cursor and requests one "
        "ingest run per user with news (coalescing that user's events).",
    )
    def sync_webhooks(context: SensorEvaluationContext, state: StateResource) -> SensorResult:
        return evaluate_inbox(context, state.get_store())

    return sync_webhooks


def evaluate_inbox(context: SensorEvaluationContext, store: StateStore) -> SensorResult:
    """One tick: new users become partitions, each user's events become one run request.

    The cursor moves past exactly the rows this tick read, all of which it either turned into a
    request or judged ignorable; if the tick fails midway, nothing is returned and the cursor stays.
    """
    last_id = int(context.cursor or 0)
    events = store.events_after(last_id, limit=MAX_EVENTS_PER_TICK)
    if not events:
        return SensorResult(skip_reason=SkipReason("no new webhook events"))

    by_user: dict[str, list[InboxEvent]] = defaultdict(list)
    for event in events:
        if event.status != EventStatus.IGNORED and event.user_id:
            by_user[event.user_id].append(event)

    for event in (e for user_events in by_user.values() for e in user_events):
        if event.event_type == ERRORED_EVENT and event.sync_id:
            # Shown at once in `syncrag status`; the run then confirms it with the API. Only for
            # a recorded sync of the event's user: an unknown sync must not fail every tick, and
            # a hint must not mark another user's sync.
            known = store.get_sync(event.sync_id)
            if known is not None and known.user_id == event.user_id:
                store.set_sync_status(event.sync_id, SyncStatus.ERRORED, _error_message(event))

    known = set(context.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME))
    new_users = sorted(u for u in by_user if u not in known)
    run_requests = [
        RunRequest(
            partition_key=user,
            # Unique per tick, so a key never blocks a later run for the same user.
            run_key=f"{user}:inbox:{user_events[-1].id}",
            tags={
                "syncrag/trigger": "webhook",
                "syncrag/events": str(len(user_events)),
                "syncrag/event_types": ",".join(sorted({e.event_type for e in user_events})),
            },
        )
        for user, user_events in sorted(by_user.items())
    ]
    return SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=(
            [users_partitions.build_add_request(new_users)] if new_users else []
        ),
        cursor=str(events[-1].id),
    )


def _error_message(event: InboxEvent) -> str:
    error = event.payload.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str):
            return message
    return "the sync reported an error (sync_errored webhook)"
