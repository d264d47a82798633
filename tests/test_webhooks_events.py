"""parse_event and dedup_key: which bodies are stored webhooks, and which deliveries collapse."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_webhooks_support import (
    KNOWN_EVENTS,
    RECORD,
    SYNC,
    T0,
    USER,
    encode,
    envelope,
    replaced,
    sample,
    without,
)
from webhooks import DEDUP_WINDOW_SECONDS, InvalidEvent, NotJsonBody, dedup_key, parse_event

# (body, words the one-line reason must contain): every way each known type can be malformed.
SCHEMA_FAILURES: list[Any] = [
    pytest.param(
        without(sample("sync_complete"), "data"), "sync_complete needs a data", id="sc-no-data"
    ),
    pytest.param(without(sample("sync_complete"), "data.model"), "data.model", id="sc-model"),
    pytest.param(
        without(sample("sync_complete"), "data.syncedAt"), "data.syncedAt", id="sc-synced"
    ),
    pytest.param(
        without(sample("sync_complete"), "data.numRecords"), "data.numRecords", id="sc-count"
    ),
    pytest.param(
        replaced(sample("sync_complete"), "data.numRecords", -1), "data.numRecords", id="sc-neg"
    ),
    pytest.param(
        replaced(sample("sync_complete"), "data.numRecords", "9"), "data.numRecords", id="sc-str"
    ),
    pytest.param(
        replaced(sample("sync_complete"), "data.numRecords", True), "data.numRecords", id="sc-bool"
    ),
    pytest.param(
        replaced(sample("sync_completed"), "data", []), "sync_complete needs a data", id="sc-list"
    ),
    pytest.param(without(sample("sync_errored"), "error"), "sync_errored needs a error", id="se"),
    pytest.param(
        without(sample("sync_errored"), "error.message"), "error.message", id="se-message"
    ),
    pytest.param(without(sample("record_created"), "data"), "record_created needs a data", id="rc"),
    pytest.param(
        without(sample("record_created"), "data.recordId"), "data.recordId", id="rc-record"
    ),
    pytest.param(without(sample("record_updated"), "data.model"), "data.model", id="ru-model"),
    pytest.param(
        replaced(sample("record_updated"), "data.recordId", 7), "data.recordId", id="ru-int"
    ),
    pytest.param(
        without(sample("record_deleted"), "data.recordId"),
        "record_deleted needs data.recordId",
        id="rd-record",
    ),
    pytest.param(
        replaced(sample("record_deleted"), "data.recordId", "  "), "data.recordId", id="rd-blank"
    ),
    pytest.param(without(sample("record_errored"), "error"), "needs a error", id="re"),
    pytest.param(
        without(sample("record_errored"), "error.recordId"), "error.recordId", id="re-record"
    ),
    pytest.param(without(sample("record_errored"), "error.message"), "error.message", id="re-msg"),
    pytest.param(without(sample("record_errored"), "error.model"), "error.model", id="re-model"),
    # The envelope, for every known type.
    *(
        pytest.param(without(sample(event), "syncInstanceId"), "syncInstanceId", id=f"{event}-sync")
        for event in KNOWN_EVENTS
    ),
    pytest.param(without(sample("record_created"), "sync"), "needs sync", id="integration"),
    pytest.param(
        replaced(sample("record_created"), "credentialId", 5), "credentialId", id="credential"
    ),
    pytest.param(without(sample("record_created"), "user"), "user.id", id="no-user"),
    pytest.param(replaced(sample("record_created"), "user", {"id": 42}), "user.id", id="user-int"),
    pytest.param(replaced(sample("record_created"), "user.id", "a\x00b"), "user.id", id="user-nul"),
    pytest.param(
        replaced(sample("record_created"), "user.id", "u" * 257), "user.id", id="user-257"
    ),
    pytest.param(
        replaced(sample("record_created"), "user.id", "u\n2026-01-01 INFO forged"),
        "user.id",
        id="user-newline",
    ),
    pytest.param(
        replaced(sample("record_created"), "user.id", "u\x1b[2J"), "user.id", id="user-esc"
    ),
    pytest.param(
        replaced(sample("record_created"), "user.id", "u\u202eevil"), "user.id", id="user-bidi"
    ),
    pytest.param(
        replaced(sample("record_created"), "event", "e" * 129), "event must", id="long-event"
    ),
    pytest.param(without(sample("record_created"), "event"), "event must be", id="no-event"),
    pytest.param(
        replaced(sample("record_created"), "event", ""), "event must be", id="blank-event"
    ),
]


@pytest.mark.parametrize("event_type", KNOWN_EVENTS)
def test_each_known_event_parses_to_its_ids(event_type: str) -> None:
    body = sample(event_type)

    event = parse_event(encode(body))

    assert event.event_type == event_type
    assert event.known
    assert (event.user_id, event.sync_id, event.integration) == (USER, SYNC, "googledrive")
    expects_record = event_type.startswith("record_")
    assert event.record_id == (RECORD if expects_record else None)
    assert event.payload == body


@pytest.mark.parametrize(
    "data",
    [
        {"model": "files", "syncedAt": "2025-07-07T19:00:00.000Z", "numRecords": 1000},
        {"model": "files", "synced_at": "2025-07-07T19:00:00.000Z", "num_records": 1000},
    ],
    ids=["camelCase", "snake_case"],
)
@pytest.mark.parametrize("name", ["sync_complete", "sync_completed"])
def test_both_spellings_of_initial_sync_event_are_sync_complete(
    name: str, data: dict[str, Any]
) -> None:
    event = parse_event(encode(envelope(name, data=data)))

    assert event.event_type == "sync_complete"
    assert event.known
    assert event.details == data


def test_camel_case_event_names_are_normalised() -> None:
    event = parse_event(encode(replaced(sample("record_created"), "event", "recordCreated")))

    assert event.event_type == "record_created"
    assert event.known


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(without(sample("record_updated"), "credentialId"), id="absent"),
        pytest.param(replaced(sample("record_updated"), "credentialId", None), id="null"),
    ],
)
def test_credential_id_is_optional(body: dict[str, Any]) -> None:
    event = parse_event(encode(body))

    assert event.credential_id is None
    assert event.known


@pytest.mark.parametrize(("body", "reason_words"), SCHEMA_FAILURES)
def test_known_events_that_break_their_schema_are_refused_with_one_line(
    body: dict[str, Any], reason_words: str
) -> None:
    with pytest.raises(InvalidEvent) as raised:
        parse_event(encode(body))

    reason = raised.value.reason
    assert reason_words in reason
    assert "\n" not in reason
    assert str(raised.value) == reason


def test_a_user_id_of_256_printable_characters_is_accepted() -> None:
    user_id = "Ü" + "u" * 254 + "✓"

    event = parse_event(encode(sample("record_created", user_id=user_id)))

    assert event.user_id == user_id


# A NUL cannot be stored by PostgreSQL and is carried by no webhook: refused wherever it is.
NUL_PLACES: list[Any] = [
    pytest.param(replaced(sample("record_created"), "data.name", "a\x00b"), "data.name", id="data"),
    pytest.param(
        replaced(sample("record_errored"), "error.message", "\x00"), "error.message", id="error"
    ),
    pytest.param(replaced(sample("record_created"), "sync", "drive\x00"), "sync", id="sync"),
    pytest.param(
        replaced(sample("record_created"), "credentialId", "c\x00"), "credentialId", id="credential"
    ),
    pytest.param(replaced(sample("record_created"), "event", "mystery\x00"), "event", id="event"),
    pytest.param(
        replaced(sample("record_created"), "data.items", [{"x": ["ok", "\x00"]}]),
        "data.items[0].x[1]",
        id="nested",
    ),
    pytest.param(
        replaced(sample("record_created"), "data", {"recordId": RECORD, "model": "f", "k\x00": 1}),
        "a field name in data",
        id="key",
    ),
    pytest.param(
        {**sample("mystery"), "\x00\n2026-01-01 INFO forged": 1},
        "a field name in the body",
        id="top-level-key",
    ),
]


@pytest.mark.parametrize(("body", "where"), NUL_PLACES)
def test_a_nul_anywhere_is_refused_naming_where_it_is(body: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidEvent) as raised:
        parse_event(encode(body))

    reason = raised.value.reason
    assert "NUL" in reason
    assert where in reason
    assert reason.isprintable()


def test_a_backslash_before_u0000_is_text_not_a_nul() -> None:
    body = replaced(sample("record_created"), "data.name", "C:\\u0000dir")

    event = parse_event(encode(body))

    assert event.payload == body


def test_unknown_but_well_formed_event_is_accepted_as_not_known() -> None:
    body = {"event": "permissionsChanged", "user": {"id": USER}, "data": {"anything": [1, 2]}}

    event = parse_event(encode(body))

    assert event.event_type == "permissions_changed"
    assert not event.known
    assert (event.user_id, event.sync_id, event.record_id) == (USER, None, None)
    assert event.payload == body


def test_unknown_event_keeps_its_sync_id_when_it_names_one() -> None:
    event = parse_event(encode(envelope("sync_paused")))

    assert not event.known
    assert event.sync_id == SYNC


@pytest.mark.parametrize(
    ("body", "not_json"),
    [
        pytest.param(b"", True, id="empty"),
        pytest.param(b"event=record_created", True, id="form"),
        pytest.param(b'{"event": "record_created",', True, id="truncated"),
        pytest.param(b"\xff\xfe\x00garbage", True, id="binary"),
        pytest.param(b'{"event": "x", "user": {"id": "u"}, "n": NaN}', True, id="nan"),
        pytest.param(b"[1, 2]", False, id="array"),
        pytest.param(b'"record_created"', False, id="string"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, False, id="deep"),
        pytest.param(
            b'{"event": "x", "user": {"id": "u"}, "s": "\\ud800"}', False, id="lone-surrogate"
        ),
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(body: bytes, not_json: bool) -> None:
    with pytest.raises(InvalidEvent) as raised:
        parse_event(body)

    assert isinstance(raised.value, NotJsonBody) is not_json
    assert "\n" not in raised.value.reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_either_parse_or_raise_invalid_event(body: bytes) -> None:
    try:
        parse_event(body)
    except InvalidEvent as error:
        assert "\n" not in error.reason


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([*KNOWN_EVENTS, "sync_completed", "mystery"]),
    st.dictionaries(
        st.sampled_from(["data", "error", "user", "sync", "syncInstanceId", "credentialId"]),
        _json,
    ),
)
def test_any_json_envelope_either_parses_or_raises_invalid_event(
    event_type: str, fields: dict[str, Any]
) -> None:
    try:
        parse_event(json.dumps({"event": event_type, **fields}).encode())
    except InvalidEvent as error:
        assert "\n" not in error.reason


def test_replays_of_one_delivery_in_one_bucket_share_a_key() -> None:
    first = parse_event(encode(sample("record_updated")))
    # The same event re-sent with its keys in another order.
    replay = parse_event(json.dumps(sample("record_updated"), sort_keys=True).encode())

    assert dedup_key(first, received_at=T0) == dedup_key(replay, received_at=T0 + 100)


def test_the_same_event_in_the_next_bucket_gets_a_new_key() -> None:
    event = parse_event(encode(sample("record_updated")))

    assert dedup_key(event, received_at=T0) != dedup_key(
        event, received_at=T0 + DEDUP_WINDOW_SECONDS
    )


def test_the_key_ends_in_the_bucket_number() -> None:
    event = parse_event(encode(sample("record_updated")))

    key = dedup_key(event, received_at=600.0 * 7 + 1, window_seconds=600)

    assert key.endswith(":7")
    assert len(key.split(":")[0]) == 64


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(sample("record_updated", record_id="another-record"), id="record"),
        pytest.param(sample("record_updated", user_id="user-7"), id="user"),
        pytest.param(replaced(sample("record_updated"), "syncInstanceId", "sync-2"), id="sync"),
        pytest.param(sample("record_created"), id="event-type"),
        pytest.param(replaced(sample("record_updated"), "data.model", "contacts"), id="data"),
    ],
)
def test_events_that_differ_in_a_keyed_field_get_different_keys(other: dict[str, Any]) -> None:
    event = parse_event(encode(sample("record_updated")))

    assert dedup_key(event, received_at=T0) != dedup_key(parse_event(encode(other)), received_at=T0)


def test_both_spellings_of_the_initial_sync_event_share_a_key() -> None:
    complete = parse_event(encode(sample("sync_complete")))
    completed = parse_event(encode(sample("sync_completed")))

    assert dedup_key(complete, received_at=T0) == dedup_key(completed, received_at=T0)


def test_a_window_must_be_positive() -> None:
    event = parse_event(encode(sample("record_updated")))

    with pytest.raises(ValueError, match="positive"):
        dedup_key(event, received_at=T0, window_seconds=0)
