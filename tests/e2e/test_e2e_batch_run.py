"""A batch run (`ingest_users`): several users in one run, each reported as its own partition with
its own metadata and check results; one user's failure does not stop the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagster import AssetKey, AssetRecordsFilter, DagsterEventType, Definitions

from assets import synced_records, vector_index
from pipelines.batch_job import batch_run_config, ingest_users_job
from pipelines.partitions import USERS_PARTITIONS_NAME
from resources.state import RecordState
from resources.sync_api import SyncApiClient
from resources.sync_api_resource import SyncApiResource
from tests.e2e.harness import QUIET, Emulator, Syncrag, paragraphs_document

BROKEN_USER = "dave"


class OutageForOneUser:
    """The real client, except that every call about BROKEN_USER fails as a blip would, and the
    first call about a user in `on_pull` runs that hook first."""

    def __init__(self, inner: SyncApiClient, on_pull: dict[str, Callable[[], None]]) -> None:
        self._inner = inner
        self._on_pull = on_pull

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if BROKEN_USER in args:
                raise RuntimeError(f"simulated failure reaching the API for {BROKEN_USER}")
            for user in [u for u in self._on_pull if u in args]:
                self._on_pull.pop(user)()
            return attribute(*args, **kwargs)

        return call


def _batch(
    syncrag: Syncrag, users: list[str], on_pull: dict[str, Callable[[], None]] | None = None
) -> Any:
    hooks = dict(on_pull or {})

    class OneUserFailsSyncApi(SyncApiResource):
        """The Sync API resource, with the client above."""

        def get_client(self) -> SyncApiClient:
            return OutageForOneUser(super().get_client(), hooks)  # type: ignore[return-value]

    resources = dict(syncrag.resources)
    resources["sync_api"] = OneUserFailsSyncApi(**syncrag.resources["sync_api"].model_dump())
    job = Definitions(
        assets=[synced_records, vector_index], jobs=[ingest_users_job], resources=resources
    ).resolve_job_def("ingest_users")
    syncrag.instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, users)
    return job.execute_in_process(
        instance=syncrag.instance,
        run_config={**QUIET, **batch_run_config(users)},
        raise_on_error=False,
    )


def _menus(emulator: Emulator, syncrag: Syncrag, users: list[str]) -> None:
    """Each user gets one small note and a sync of it."""
    for user in users:
        emulator.write(user, "menu.md", paragraphs_document("Menu", [f"{user}'s soup."]))
        emulator.enable(syncrag.state, user)


def _latest(syncrag: Syncrag, asset: str, user: str) -> dict[str, Any]:
    """The metadata of the user's partition's latest materialization of `asset`, or {}."""
    records = syncrag.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[user]), limit=1
    ).records
    if not records:
        return {}
    materialization = records[0].asset_materialization
    assert materialization is not None
    return {k: v.value for k, v in materialization.metadata.items()}


def test_a_batch_run_reports_each_user_as_its_own_partition_and_goes_on_past_a_failure(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    files: dict[str, int] = {"alice": 3, "bob": 1, "carol": 2, BROKEN_USER: 1}
    for user, count in files.items():
        for i in range(count):
            emulator.write(user, f"{user}-{i}.md", paragraphs_document(f"{user} {i}", ["Notes."]))
        emulator.enable(syncrag.state, user)

    result = _batch(syncrag, ["alice", BROKEN_USER, "bob", "carol"])

    # The run fails, naming the user that failed, after every other user was done.
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE)
    assert BROKEN_USER in str(failure.event_specific_data)
    for user in ("alice", "bob", "carol"):
        pulled = _latest(syncrag, "synced_records", user)
        indexed = _latest(syncrag, "vector_index", user)
        assert pulled["records_new"] == files[user], user
        assert indexed["records_indexed"] == files[user], user
        assert {r.state for r in syncrag.ledger(user)} == {RecordState.INDEXED}
    assert _latest(syncrag, "vector_index", BROKEN_USER) == {}

    # Each check result names its own partition.
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    partition_of: Callable[[Any], str] = lambda evaluation: evaluation.partition  # noqa: E731
    assert sorted(map(partition_of, checks)) == sorted(["alice", "bob", "carol"] * 3)
    assert all(getattr(c, "passed", False) for c in checks)


def test_a_second_batch_over_the_same_users_embeds_nothing(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    _menus(emulator, syncrag, ["alice", "bob"])
    assert _batch(syncrag, ["alice", "bob"]).success

    again = _batch(syncrag, ["alice", "bob"])

    assert again.success
    for user in ("alice", "bob"):
        assert _latest(syncrag, "vector_index", user)["chunks_embedded"] == 0


def test_a_batch_run_logs_each_users_stages_as_one_event(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    # Each event is a write to Dagster's event log (about 30 ms of CPU on SQLite): a batch of
    # 25 users logged 7 lines each, then 2; now one event a user carries every stage's line.
    _menus(emulator, syncrag, ["alice", "bob"])

    result = _batch(syncrag, ["alice", "bob"])

    assert result.success
    infos = [
        entry.user_message
        for entry in syncrag.instance.all_logs(result.run_id)
        if entry.dagster_event is None and entry.level == 20  # INFO
    ]
    assert infos[0] == "ingesting 2 users: alice, bob"
    assert len(infos) == 3
    for user, message in zip(("alice", "bob"), infos[1:], strict=True):
        starts = [line.split(": ", 1)[1].split(" ", 1)[0] for line in message.splitlines()]
        assert message.startswith(f"{user}: pulled ")
        assert starts == ["pulled", "read", "embedded", "wrote", "indexed", "the"]


def test_a_user_of_a_batch_does_not_wait_for_the_events_of_the_users_before_it(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    # Each event is a write to Dagster's storage: written between users, they made the 25th user
    # of a burst wait for the 144 events of the 24 before it before it was even pulled.
    _menus(emulator, syncrag, ["alice", "bob"])
    alices_events_when_bob_was_pulled: list[int] = []

    def count_alices_events() -> None:
        if not alices_events_when_bob_was_pulled:
            runs = syncrag.instance.get_run_records(limit=1)
            events = syncrag.instance.all_logs(runs[0].dagster_run.run_id)
            alices_events_when_bob_was_pulled.append(
                sum(1 for e in events if e.dagster_event and "alice" in str(e.dagster_event))
            )

    result = _batch(syncrag, ["alice", "bob"], on_pull={"bob": count_alices_events})

    assert result.success
    assert alices_events_when_bob_was_pulled == [0]
    for user in ("alice", "bob"):
        assert _latest(syncrag, "vector_index", user)["records_indexed"] == 1


def test_a_partition_run_reports_its_checks_for_its_partition(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    emulator.write("erin", "menu.md", paragraphs_document("Menu", ["Leek soup."]))
    emulator.enable(syncrag.state, "erin")

    run = syncrag.ingest("erin")

    assert {name: c.partition for name, c in run.checks.items()} == {
        "syncs_healthy": "erin",
        "pulled_recently": "erin",
        "index_matches_ledger": "erin",
    }


def test_a_partition_whose_user_has_no_sync_fails_its_health_check(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    run = syncrag.ingest("frank")  # added by hand, as from the UI: no sync at the API

    health = run.checks["syncs_healthy"]
    assert not health.passed
    assert health.description == (
        "frank has no sync at the Sync API: enable one (syncrag enable --user frank "
        "--integration ...) or delete the partition."
    )
