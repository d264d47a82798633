"""End to end: a token the API refuses (wrong key, project id or aud host) fails the run with one
sentence naming the setting to fix, wherever in the run it is refused; it never defers records,
indexes them without hints or passes for a broken listing."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import materialize

from assets import synced_records, vector_index
from emulator import ensure_dev_keypair
from ingest import pull_user, reconcile_sync
from pipelines.partitions import USERS_PARTITIONS_NAME
from resources.state import RecordState
from resources.sync_api import SyncApiAuthError, SyncApiClient, UserTokenSigner
from tests.e2e.harness import QUIET, Emulator, Ingest, Syncrag, installed, paragraphs_document

FILES = {
    "plan.md": paragraphs_document("Plan", ["The plan is to ship the lighthouse release."]),
    "notes.md": paragraphs_document("Notes", ["Notes from the harbour meeting."]),
}


def _failure(run: Ingest) -> str:
    [failure] = [e for e in run.result.all_events if e.is_step_failure]
    assert failure.step_failure_data is not None
    return str(failure.step_failure_data.error)


def _wrong_key(tmp_path: Path) -> Path:
    private, _ = ensure_dev_keypair(tmp_path / "other-keys")
    return private


@pytest.mark.parametrize(
    ("setting", "wrong"),
    [
        ("SYNCRAG_SIGNING_KEY_PATH", "key"),
        ("SYNCRAG_PARAGON_PROJECT_ID", "11111111-2222-4333-8444-555555555555"),
        ("SYNCRAG_PARAGON_AUD_HOST", "paragon.example.com"),
    ],
)
def test_a_refused_token_fails_the_run_naming_the_setting(
    emulator: Emulator, tmp_path: Path, setting: str, wrong: str
) -> None:
    value = str(_wrong_key(tmp_path)) if wrong == "key" else wrong
    for name, text in FILES.items():
        emulator.write("alice", name, text)
    with installed(emulator, tmp_path / "wrong", **{setting: value}) as syncrag:
        emulator.enable(syncrag.state, "alice")

        run = syncrag.ingest("alice", raise_on_error=False)

        assert not run.success
        assert setting in _failure(run)
        assert syncrag.ledger("alice") == []


def _pull_with_the_right_key(emulator: Emulator, syncrag: Syncrag) -> None:
    for name, text in FILES.items():
        emulator.write("alice", name, text)
    emulator.enable(syncrag.state, "alice")
    pull_user(emulator.client, syncrag.state, "alice")
    assert {r.state for r in syncrag.ledger("alice")} == {RecordState.PENDING}


def _index_only(syncrag: Syncrag) -> Ingest:
    syncrag.instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, ["alice"])
    result = materialize(
        [synced_records, vector_index],
        selection=[vector_index],
        partition_key="alice",
        resources=syncrag.resources,
        instance=syncrag.instance,
        run_config=QUIET,
        raise_on_error=False,
    )
    return Ingest(result)


def test_a_download_refused_mid_run_fails_the_run_and_defers_nothing(
    emulator: Emulator, syncrag: Syncrag, tmp_path: Path
) -> None:
    _pull_with_the_right_key(emulator, syncrag)
    # The key changes between the pull and the indexing (a rotation, an edited setting).
    with installed(
        emulator, tmp_path / "syncrag", SYNCRAG_SIGNING_KEY_PATH=str(_wrong_key(tmp_path))
    ) as rotated:
        run = _index_only(rotated)

    assert not run.success
    assert "SYNCRAG_SIGNING_KEY_PATH" in _failure(run)
    assert {r.state for r in syncrag.ledger("alice")} == {RecordState.PENDING}
    assert syncrag.points("alice") == {}


def test_the_permissions_api_refusing_the_token_fails_the_run(
    emulator: Emulator, syncrag: Syncrag
) -> None:
    _pull_with_the_right_key(emulator, syncrag)
    emulator.set_faults(permissions_status=401)

    run = _index_only(syncrag)

    assert not run.success
    failure = _failure(run)
    assert "refused the user token" in failure and "SYNCRAG_PARAGON_PROJECT_ID" in failure
    # Not indexed without hints as an outage would be: the next run, fixed, indexes them.
    assert {r.state for r in syncrag.ledger("alice")} == {RecordState.PENDING}


def test_a_refused_token_is_not_a_broken_listing_for_the_reconcile(
    emulator: Emulator, syncrag: Syncrag, tmp_path: Path
) -> None:
    _pull_with_the_right_key(emulator, syncrag)
    [sync] = syncrag.state.list_syncs("alice")
    signer = UserTokenSigner.from_settings(
        None, str(_wrong_key(tmp_path)), project_id=emulator.config.project_id
    )

    with SyncApiClient(emulator.url, signer) as client, pytest.raises(SyncApiAuthError):
        reconcile_sync(client, syncrag.state, sync)
