"""The `sync_webhooks` sensor's tick at scale: 10,000 user partitions and 1,000,000 inbox rows
in a fresh SQLite state DB, the tick function evaluated directly (timing only, no daemon)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from dagster import build_sensor_context, instance_for_test

from bench.stack import PROJECT_ID
from emulator import ensure_dev_keypair
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.sensors import build_webhook_sensor
from resources.state import StateStore
from resources.state_resource import StateResource
from resources.sync_api_resource import SyncApiResource

# Rows are spread evenly over this many hours before now: with the default retention (72 h),
# the oldest quarter is settled and due for pruning, as after a long run without pruning.
SPREAD_HOURS = 96
NEW_EVENTS = 1000  # the last rows, still 'new': one burst of one change for 1,000 users

BULK_INSERT = """
INSERT INTO inbox (dedup_key, user_id, sync_id, event_type, record_id, payload, status,
                   received_at, processed_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
SELECT 'bench:' || i, 'user-' || (i % :users), 'sync-' || (i % :users), 'record_updated',
       'record-' || i, '{}', CASE WHEN i > :rows - :new THEN 'new' ELSE 'processed' END,
       datetime('now', printf('-%d seconds', (:rows - i) * :spread / :rows)),
       CASE WHEN i > :rows - :new THEN NULL
            ELSE datetime('now', printf('-%d seconds', (:rows - i) * :spread / :rows)) END
FROM n
"""


@dataclass(frozen=True)
class TickTiming:
    """One evaluated tick: what it found and how long it took."""

    label: str
    seconds: float
    run_requests: int
    skipped: bool


@dataclass(frozen=True)
class TickBench:
    """The sensor tick at `partitions` partitions and `inbox_rows` rows."""

    partitions: int
    inbox_rows: int
    insert_seconds: float
    ticks: list[TickTiming]

    @property
    def worst_seconds(self) -> float:
        return max(t.seconds for t in self.ticks)


def measure_sensor_tick(
    partitions: int = 10_000, inbox_rows: int = 1_000_000, workdir: Path | None = None
) -> TickBench:
    """Fills a fresh state DB and instance, then times three ticks: the burst of NEW_EVENTS
    new events (runs requested, settled rows pruned), the same cursor again (all settled now),
    and an idle tick at the end of the inbox."""
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        root = Path(scratch)
        state_url = f"sqlite:///{root / 'state.db'}"
        private_key, _ = ensure_dev_keypair(root / "keys")
        started = time.perf_counter()
        with StateStore.open(state_url) as store, store.engine.begin() as conn:
            params = {
                "rows": inbox_rows,
                "users": partitions,
                "new": NEW_EVENTS,
                "spread": SPREAD_HOURS * 3600,
            }
            conn.execute(sa.text(BULK_INSERT), params)
        insert_seconds = time.perf_counter() - started
        resources = {
            "state": StateResource(url=state_url),
            # Never called: every event's user is a partition already.
            "sync_api": SyncApiResource(
                base_url="http://127.0.0.1:9",
                project_id=PROJECT_ID,
                signing_key_path=str(private_key),
            ),
        }
        sensor = build_webhook_sensor(2)
        burst_cursor = str(inbox_rows - NEW_EVENTS)
        ticks: list[TickTiming] = []
        with instance_for_test() as instance:
            instance.add_dynamic_partitions(
                USERS_PARTITIONS_NAME, [f"user-{i}" for i in range(partitions)]
            )
            for label, cursor in (
                (f"{NEW_EVENTS} new events after the cursor", burst_cursor),
                (f"the same {NEW_EVENTS} events again, settled", burst_cursor),
                ("nothing after the cursor", str(inbox_rows)),
            ):
                # Resource set-up (the state DB's engine) is part of every tick the daemon runs.
                began = time.perf_counter()
                with build_sensor_context(
                    instance=instance, cursor=cursor, resources=resources
                ) as context:
                    result = sensor.evaluate_tick(context)
                seconds = time.perf_counter() - began
                ticks.append(
                    TickTiming(
                        label,
                        seconds,
                        len(result.run_requests or []),
                        result.skip_message is not None,
                    )
                )
        return TickBench(partitions, inbox_rows, insert_seconds, ticks)
