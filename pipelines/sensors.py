"""Sensor `sync_webhooks`: turns the webhook inbox into one run request per user and tick, and
lets a user it has never seen in only once the Sync API confirms that user has a sync."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from dagster import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipelines.batch_job import ingest_users_job
from pipelines.jobs import ingest_user_job
from pipelines.partitions import USERS_PARTITIONS_NAME, users_partitions
from pipelines.run_batches import DEFAULT_BATCH_USERS, UserWork, ingest_run_requests
from resources.state import (
    DELETION_HINT_EVENT_TYPE,
    EventStatus,
    InboxEvent,
    StateStore,
    SyncStatus,
)
from resources.state_resource import StateResource
from resources.sync_api import (
    SyncApiAuthError,
    SyncApiClient,
    SyncApiConfigError,
    SyncApiError,
    SyncApiNotFound,
    SyncApiUnavailable,
)
from resources.sync_api_resource import SyncApiResource

SENSOR_NAME = "sync_webhooks"
MAX_EVENTS_PER_TICK = 5000
# Each user the sensor has never seen costs one list_syncs call; a flood of forged user ids is
# worked off this many at a time, so that a tick stays short.
MAX_NEW_USERS_PER_TICK = 20
ERRORED_EVENT = "sync_errored"
DEFAULT_INBOX_RETENTION_HOURS = 72
# Settled inbox rows past the retention are deleted this many per tick, oldest first: a tick
# stays short after a long outage, and at the default interval this still outpaces any
# webhook rate the receiver takes.
MAX_PRUNED_PER_TICK = 2000
# Events a run may act on; ignored and rejected ones never request anything.
_LIVE = frozenset({EventStatus.NEW, EventStatus.PROCESSED})


def build_webhook_sensor(
    minimum_interval_seconds: int,
    inbox_retention_hours: int = DEFAULT_INBOX_RETENTION_HOURS,
    batch_users: int = DEFAULT_BATCH_USERS,
) -> SensorDefinition:
    """The sensor at the configured interval, pruning settled inbox rows past the retention and
    asking for runs of at most `batch_users` users."""
    retention = timedelta(hours=inbox_retention_hours)

    @sensor(
        name=SENSOR_NAME,
        jobs=[ingest_user_job, ingest_users_job],
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Reads webhook events from the inbox after its cursor and requests ingest "
        f"runs for the users with news, up to {batch_users} users a run (a lone user gets a run "
        "of its partition); a user it has never "
        "seen becomes a partition once the Sync API lists a sync of that user. Deletes "
        f"settled inbox rows older than {inbox_retention_hours} h.",
    )
    def sync_webhooks(
        context: SensorEvaluationContext, state: StateResource, sync_api: SyncApiResource
    ) -> SensorResult:
        return evaluate_inbox(
            context,
            state.get_store(),
            sync_api.get_client(),
            retention=retention,
            batch_users=batch_users,
        )

    return sync_webhooks


@dataclass(frozen=True, slots=True)
class InboxCursor:
    """Where the sensor stands in the inbox.

    Every event up to `after` is settled. Events after it up to `seen` were read before but
    waited: for the Sync API to confirm their user (a tick reads them again only for users that
    are still not partitions), or, for the users in `held`, for the next tick to fill their
    batch. Written as "seen" when nothing waits, "after:seen" when users wait for the API, and
    "after:seen:<JSON list of held users>" when users are held.
    """

    after: int
    seen: int
    held: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> InboxCursor:
        if not text:
            return cls(0, 0)
        after, _, rest = text.partition(":")
        seen, _, held = rest.partition(":")
        users = tuple(str(u) for u in json.loads(held)) if held else ()
        return cls(int(after), int(seen or after), users)

    def __str__(self) -> str:
        if self.held:
            return f"{self.after}:{self.seen}:{json.dumps(list(self.held))}"
        return str(self.seen) if self.after == self.seen else f"{self.after}:{self.seen}"


@dataclass
class Confirmations:
    """What the Sync API said this tick about users that are not partitions yet."""

    confirmed: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # user -> reason
    deferred: list[str] = field(default_factory=list)
    outage: SyncApiUnavailable | None = None


def evaluate_inbox(
    context: SensorEvaluationContext,
    store: StateStore,
    sync_api: SyncApiClient,
    *,
    retention: timedelta = timedelta(hours=DEFAULT_INBOX_RETENTION_HOURS),
    batch_users: int = DEFAULT_BATCH_USERS,
) -> SensorResult:
    """One tick: confirmed new users become partitions, users with events get runs (batches of
    at most `batch_users`; see pipelines/run_batches.py).

    A user the API does not confirm gets no partition and no run; its events are marked
    rejected. A user the API could not be asked about (429/5xx, unreachable, or past this tick's
    quota) holds the cursor at its first event: the next tick reads on from there, and other
    users' events in between are not requested twice (the cursor's `seen`). If the tick fails
    midway, nothing is returned and the cursor stays.

    Events a request covers are settled ('processed') here, except record_deleted hints: the
    run settles those once it has asked the API. Settled rows older than `retention` are
    deleted, at most MAX_PRUNED_PER_TICK per tick.
    """
    pruned = store.prune_events(retention, limit=MAX_PRUNED_PER_TICK)
    if pruned:
        context.log.info(f"deleted {pruned} settled inbox event(s) older than {retention}")
    cursor = InboxCursor.parse(context.cursor)
    events = store.events_after(cursor.after, limit=MAX_EVENTS_PER_TICK)
    if not events:
        return SensorResult(skip_reason=SkipReason("no new webhook events"))

    known = set(context.instance.get_dynamic_partitions(USERS_PARTITIONS_NAME))
    by_user: dict[str, list[InboxEvent]] = defaultdict(list)
    for event in events:
        # An event read before belongs to this tick only if its user still waits.
        unsettled = event.id > cursor.seen or event.user_id not in known
        unsettled = unsettled or event.user_id in cursor.held
        if event.status in _LIVE and event.user_id and unsettled:
            by_user[event.user_id].append(event)

    # Oldest first, so that the quota and an outage hold back as few events as possible.
    new_users = sorted((u for u in by_user if u not in known), key=lambda u: by_user[u][0].id)
    answers = confirm_users(sync_api, new_users)
    for user, reason in answers.rejected.items():
        rejected = store.mark_events_rejected([e.id for e in by_user.pop(user)], reason)
        context.log.warning(
            f"webhook events of user {user!r} rejected: {reason}; no partition added, "
            f"{rejected} event(s) marked rejected"
        )
    if answers.deferred:
        why = (
            f"the Sync API is unavailable ({answers.outage})"
            if answers.outage is not None
            else f"{MAX_NEW_USERS_PER_TICK} new users were asked about this tick"
        )
        context.log.warning(
            f"{len(answers.deferred)} new user(s) wait for the next tick: {why}; "
            "their events are kept"
        )

    _mark_errored_syncs(store, (e for es in by_user.values() for e in es if e.id > cursor.seen))

    runnable = known | set(answers.confirmed)
    # Oldest news first: users held back last tick lead the first batch.
    ready = sorted((u for u in by_user if u in runnable), key=lambda u: by_user[u][0].id)
    held = held_partial_batch(ready, batch_users, held_before=cursor.held)
    waiting = [by_user[user][0].id for user in [*answers.deferred, *held]]
    next_cursor = InboxCursor(
        after=min(waiting) - 1 if waiting else events[-1].id,
        seen=max(cursor.seen, events[-1].id),
        held=tuple(held),
    )
    for user in held:
        del by_user[user]
    if held:
        context.log.info(
            f"{len(held)} user(s) after {len(ready) - len(held)} in full batches wait one tick "
            "to fill the next batch"
        )
    # Settled before the result is returned: should the tick still fail, its cursor stays and
    # the next tick requests these events again (processed events are live, see _LIVE).
    store.mark_events_processed(
        [
            e.id
            for user, user_events in by_user.items()
            if user in runnable
            for e in user_events
            if e.status is EventStatus.NEW and e.event_type != DELETION_HINT_EVENT_TYPE
        ]
    )
    return SensorResult(
        run_requests=ingest_run_requests(
            [_user_work(user, by_user[user]) for user in ready if user in by_user],
            batch_users=batch_users,
            tags={"syncrag/trigger": "webhook"},
        ),
        dynamic_partitions_requests=(
            [users_partitions.build_add_request(sorted(answers.confirmed))]
            if answers.confirmed
            else []
        ),
        cursor=str(next_cursor),
    )


def held_partial_batch(
    ready: Sequence[str], batch_users: int, *, held_before: Sequence[str] = ()
) -> list[str]:
    """The users of a partial last batch that wait one tick for company.

    In a burst (at least one full batch this tick) the remainder is likely to be joined by the
    rest of the burst next tick, and the runs then number the burst divided by the batch size,
    not one more per tick the burst spans. A quiet tick (less than a full batch) holds nobody,
    and nobody is held twice: holding costs a user at most one sensor interval.
    """
    remainder = len(ready) % batch_users
    if len(ready) <= batch_users or remainder == 0:
        return []
    tail = list(ready[-remainder:])
    return [] if set(tail) & set(held_before) else tail


def confirm_users(sync_api: SyncApiClient, users: Sequence[str]) -> Confirmations:
    """Ask the Sync API, once per user, whether each user has at least one sync.

    After one transient failure the rest wait too: the API is down, and every further call
    would spend the client's whole retry budget.
    """
    answers = Confirmations()
    for asked, user in enumerate(users):
        if answers.outage is not None or asked >= MAX_NEW_USERS_PER_TICK:
            answers.deferred.append(user)
            continue
        try:
            syncs = sync_api.list_syncs(user)
        except SyncApiUnavailable as exc:
            answers.outage = exc
            answers.deferred.append(user)
            continue
        except SyncApiConfigError:
            raise  # this install cannot call the API at all: fail the tick, lose nothing
        except SyncApiNotFound:
            answers.rejected[user] = "the Sync API does not know this user (404)"
            continue
        except SyncApiAuthError as exc:
            answers.rejected[user] = (
                f"the Sync API refused a token for this user ({exc.status_code}); if it "
                "refuses every user, check the signing key and project id settings"
            )
            continue
        except SyncApiError as exc:
            # Any other answer confirms nothing; the user's next event asks again.
            answers.rejected[user] = (
                f"the Sync API's answer for this user confirms no sync "
                f"({type(exc).__name__}, status {exc.status_code})"
            )
            continue
        if syncs:
            answers.confirmed.append(user)
        else:
            answers.rejected[user] = "the Sync API lists no sync for this user"
    return answers


def _mark_errored_syncs(store: StateStore, events: Iterable[InboxEvent]) -> None:
    for event in events:
        if event.event_type == ERRORED_EVENT and event.sync_id:
            # Shown at once in `syncrag status`; the run then confirms it with the API. Only for
            # a recorded sync of the event's user: an unknown sync must not fail every tick, and
            # a hint must not mark another user's sync.
            known = store.get_sync(event.sync_id)
            if known is not None and known.user_id == event.user_id:
                store.set_sync_status(event.sync_id, SyncStatus.ERRORED, _error_message(event))


def _user_work(user: str, events: Sequence[InboxEvent]) -> UserWork:
    return UserWork(
        user,
        # Unique per batch of events, so a key never blocks a later run for the same user;
        # if a tick is evaluated again, Dagster skips the key it has already launched.
        key=f"{user}:inbox:{events[-1].id}",
        tags={
            "syncrag/events": str(len(events)),
            "syncrag/event_types": ",".join(sorted({e.event_type for e in events})),
        },
    )


def _error_message(event: InboxEvent) -> str:
    error = event.payload.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str):
            return message
    return "the sync reported an error (sync_errored webhook)"
