"""Tolerant parsing of Sync API JSON: both doc variants, timestamps, statuses and event names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resources.sync_api import (
    KNOWN_EVENTS,
    RecordPage,
    Sync,
    SyncApiProtocolError,
    SyncedRecord,
    SyncStatus,
    normalize_event_name,
    parse_timestamp,
)

JULY_1 = datetime(2025, 7, 1, 8, 53, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("IDLE", SyncStatus.IDLE),
        ("idle", SyncStatus.IDLE),
        (" Active ", SyncStatus.ACTIVE),
        ("errored", SyncStatus.ERRORED),
        ("paused", SyncStatus.DISABLED),
    ],
)
def test_status_is_read_in_any_case_and_old_paused_is_disabled(
    given: str, expected: SyncStatus
) -> None:
    assert SyncStatus.parse(given) is expected


@pytest.mark.parametrize("given", ["SYNCING", None, 3])
def test_unknown_status_is_a_protocol_error(given: object) -> None:
    with pytest.raises(SyncApiProtocolError, match="not one of"):
        SyncStatus.parse(given)


@pytest.mark.parametrize(
    "given",
    [1751360000000, 1751360000000.0, "1751360000000", 1751360000, "2025-07-01T08:53:20Z"],
)
def test_last_seen_reads_epoch_ms_numeric_strings_seconds_and_iso(given: object) -> None:
    assert parse_timestamp(given) == JULY_1


def test_naive_iso_timestamps_are_utc_and_offsets_convert() -> None:
    assert parse_timestamp("2025-07-01T08:53:20") == JULY_1
    assert parse_timestamp("2025-07-01T10:53:20+02:00") == JULY_1
    assert parse_timestamp(None) is None


@pytest.mark.parametrize("given", ["yesterday", True, [1], 1e300])
def test_unreadable_timestamps_are_protocol_errors(given: object) -> None:
    with pytest.raises(SyncApiProtocolError):
        parse_timestamp(given)


def test_sync_reads_snake_case_and_keeps_unknown_fields_in_raw() -> None:
    sync = Sync.from_json(
        {
            "id": "s1",
            "integration": "sharepoint",
            "pipeline": "files",
            "status": "active",
            "user_id": "user-42",
            "configuration_name": "site-a",
            "summary": {"total_records": 3, "synced_records_count": "2", "last_synced_at": None},
            "futureField": {"x": 1},
        }
    )

    assert (sync.user_id, sync.configuration_name) == ("user-42", "site-a")
    assert sync.summary is not None
    assert (sync.summary.total_records, sync.summary.synced_records_count) == (3, 2)
    assert sync.raw["futureField"] == {"x": 1}
    assert "futureField" not in repr(sync)


def test_sync_unwraps_a_data_envelope() -> None:
    sync = Sync.from_json({"data": {"id": "s1", "status": "IDLE"}})

    assert (sync.id, sync.integration, sync.pipeline) == ("s1", "", "")


def test_sync_without_id_is_a_protocol_error() -> None:
    with pytest.raises(SyncApiProtocolError, match="without an id"):
        Sync.from_json({"status": "IDLE"})


def test_record_keeps_the_whole_object_and_reads_truthy_deleted() -> None:
    raw = {"id": "r1", "externalId": "e1", "deleted": "true", "customFields": {"fullPath": "/a"}}

    record = SyncedRecord.from_json(raw)

    assert record.deleted is True
    assert record.raw == raw
    assert record.updated_at is None


def test_record_with_a_non_integer_size_is_a_protocol_error() -> None:
    with pytest.raises(SyncApiProtocolError, match="size"):
        SyncedRecord.from_json({"id": "r1", "size": "big"})


def test_page_without_paging_is_caught_up_only_when_empty() -> None:
    assert RecordPage.from_json({"data": []}).caught_up
    unknown_remaining = RecordPage.from_json({"data": [{"id": "r1"}]})
    assert not unknown_remaining.caught_up
    assert unknown_remaining.cursor is None


def test_page_whose_data_is_not_a_list_is_a_protocol_error() -> None:
    with pytest.raises(SyncApiProtocolError, match="not a list"):
        RecordPage.from_json({"data": {"id": "r1"}})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sync_complete", "sync_complete"),
        ("sync_completed", "sync_complete"),
        ("syncCompleted", "sync_complete"),
        ("recordCreated", "record_created"),
        ("record_updated", "record_updated"),
        ("RECORD_DELETED", "record_deleted"),
        ("recordErrored", "record_errored"),
        ("sync_errored", "sync_errored"),
        ("somethingNew", "something_new"),
    ],
)
def test_event_names_normalise_to_the_webhooks_page_spelling(given: str, expected: str) -> None:
    assert normalize_event_name(given) == expected


def test_known_events_are_the_webhooks_page_names() -> None:
    assert {
        "sync_complete",
        "sync_errored",
        "record_created",
        "record_updated",
        "record_deleted",
        "record_errored",
    } == KNOWN_EVENTS
