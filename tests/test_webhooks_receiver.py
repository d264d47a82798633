"""The receiver app against a real state DB: what it stores, what it refuses and how it answers."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import string
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from resources.state import EventStatus, StateStore
from tests.test_state_support import BACKENDS, open_backend
from tests.test_webhooks_support import (
    KNOWN_EVENTS,
    RECORD,
    SECRET,
    SYNC,
    USER,
    FakeClock,
    encode,
    envelope,
    post,
    replaced,
    request,
    requests,
    sample,
    without,
)
from webhooks import DEDUP_WINDOW_SECONDS, MAX_BODY_BYTES, SECRET_HEADER, create_app

PATH = "/webhooks/paragon"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(store: StateStore, clock: FakeClock) -> Starlette:
    return create_app(store, secret=SECRET, clock=clock)


def _json_post(
    app: Starlette, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return request(
        app,
        "POST",
        path,
        content=encode(body),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


# -- the secret ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        pytest.param(PATH, {}, id="missing"),
        pytest.param(f"{PATH}/not-the-secret", {}, id="path"),
        pytest.param(f"{PATH}?secret=not-the-secret", {}, id="query-secret"),
        pytest.param(f"{PATH}?token=not-the-secret", {}, id="query-token"),
        pytest.param(PATH, {SECRET_HEADER: "not-the-secret"}, id="header"),
        pytest.param(PATH, {SECRET_HEADER: SECRET[:-1]}, id="header-prefix"),
        pytest.param(f"{PATH}?secret=", {}, id="query-empty"),
        pytest.param(f"{PATH}/caf%C3%A9", {}, id="path-non-ascii"),
    ],
)
def test_a_wrong_or_missing_secret_is_401_and_stores_nothing(
    app: Starlette, store: StateStore, path: str, headers: dict[str, str]
) -> None:
    response = _json_post(app, path, sample("record_created"), headers)

    assert response.status_code == 401
    assert "secret" in response.json()["error"]
    assert store.count_events() == 0


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        pytest.param(f"{PATH}/{SECRET}", {}, id="path"),
        pytest.param(f"{PATH}?secret={SECRET}", {}, id="query-secret"),
        pytest.param(f"{PATH}?token={SECRET}", {}, id="query-token"),
        pytest.param(PATH, {SECRET_HEADER: SECRET}, id="header"),
    ],
)
def test_the_secret_is_accepted_in_each_place(
    app: Starlette, store: StateStore, path: str, headers: dict[str, str]
) -> None:
    response = _json_post(app, path, sample("record_created"), headers)

    assert response.status_code == 200
    assert response.json() == {"status": "stored"}
    assert store.count_events() == 1


def test_without_a_configured_secret_every_delivery_is_accepted_and_that_is_warned_once(
    store: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="syncrag.webhooks"):
        open_app = create_app(store, secret=None)
        _json_post(open_app, PATH, sample("record_created"))
        _json_post(open_app, f"{PATH}/anything", sample("record_updated"))

    assert store.count_events() == 2
    warnings = [r for r in caplog.records if "No webhook secret" in r.getMessage()]
    assert len(warnings) == 1


def test_an_empty_secret_is_refused_rather_than_matching_an_empty_candidate(
    store: StateStore,
) -> None:
    with pytest.raises(ValueError, match="SYNCRAG_WEBHOOK_SECRET"):
        create_app(store, secret="")


def test_the_secret_never_reaches_logs_or_answers(
    app: Starlette, store: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    answers: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for path, body in [
            (f"{PATH}/{SECRET}", sample("record_created")),
            (f"{PATH}?secret={SECRET}", without(sample("record_created"), "data.recordId")),
            (f"{PATH}/{SECRET}x", sample("record_created")),
            (f"{PATH}?token={SECRET}", {"event": "unheard_of", "user": {"id": USER}}),
        ]:
            answers.append(_json_post(app, path, body).text)
        answers.append(
            request(app, "POST", f"{PATH}/{SECRET}", content=b"x" * (MAX_BODY_BYTES + 1)).text
        )

    # httpx's own records are the test client's, which knows the secret it sends.
    logged = [
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    ]
    assert any("Refused" in line for line in logged), "nothing logged, so nothing proven"
    assert all(SECRET not in line for line in logged)
    assert all(SECRET not in answer for answer in answers)
    assert SECRET not in repr(app.routes) + repr(store)


# -- size, content type, JSON ----------------------------------------------------------------


def test_a_body_over_the_limit_with_its_content_length_is_413(
    app: Starlette, store: StateStore
) -> None:
    body = _padded(sample("record_created"), MAX_BODY_BYTES + 1)

    response = request(app, "POST", f"{PATH}/{SECRET}", content=body)

    assert response.status_code == 413
    assert "limit" in response.json()["error"]
    assert store.count_events() == 0


def test_a_content_length_over_the_limit_is_413_before_the_body_is_read(
    app: Starlette, store: StateStore
) -> None:
    response = request(
        app,
        "POST",
        f"{PATH}/{SECRET}",
        content=encode(sample("record_created")),
        headers={"Content-Length": str(MAX_BODY_BYTES + 1)},
    )

    assert response.status_code == 413
    assert store.count_events() == 0


def test_a_chunked_body_over_the_limit_is_413(app: Starlette, store: StateStore) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        # Far more than the limit: the receiver must stop reading, not buffer it all.
        for _ in range(64):
            sent.append(1)
            yield b" " * (64 * 1024)

    response = request(
        app,
        "POST",
        f"{PATH}/{SECRET}",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert store.count_events() == 0
    assert len(sent) < 64, "the receiver read the whole oversize body"


def test_a_body_longer_than_its_content_length_says_is_cut_off_at_the_limit(
    app: Starlette, store: StateStore
) -> None:
    body = _padded(sample("record_created"), MAX_BODY_BYTES + 10)

    response = request(
        app, "POST", f"{PATH}/{SECRET}", content=body, headers={"Content-Length": "100"}
    )

    assert response.status_code == 413
    assert store.count_events() == 0


def test_a_valid_body_of_exactly_the_limit_is_stored(app: Starlette, store: StateStore) -> None:
    body = _padded(sample("record_created"), MAX_BODY_BYTES)

    response = request(app, "POST", f"{PATH}/{SECRET}", content=body)

    assert response.status_code == 200
    assert store.count_events() == 1


# Header bytes are read as Latin-1, where "\xb2" is a digit to str.isdigit() but not to int().
@pytest.mark.parametrize("length", [b"abc", b"-1", b"1e3", b"\xb2"])
def test_a_malformed_content_length_is_400(
    app: Starlette, store: StateStore, length: bytes
) -> None:
    response = request(
        app,
        "POST",
        f"{PATH}/{SECRET}",
        content=encode(sample("record_created")),
        headers={"Content-Length": length},
    )

    assert response.status_code == 400
    assert "Content-Length" in response.json()["error"]
    assert store.count_events() == 0


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        pytest.param("application/json", 400, id="json-type"),
        pytest.param("application/json; charset=utf-8", 400, id="json-charset"),
        pytest.param(None, 400, id="no-type"),
        pytest.param("text/plain", 415, id="text"),
        pytest.param("application/x-www-form-urlencoded", 415, id="form"),
    ],
)
def test_a_body_that_is_not_json_is_400_or_415_by_its_content_type(
    app: Starlette, store: StateStore, content_type: str | None, status: int
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = request(
        app, "POST", f"{PATH}/{SECRET}", content=b"event=record_created", headers=headers
    )

    assert response.status_code == status
    assert "JSON" in response.json()["error"]
    assert store.count_events() == 0


def test_a_json_envelope_is_judged_by_its_body_not_its_content_type(
    app: Starlette, store: StateStore
) -> None:
    response = request(
        app,
        "POST",
        f"{PATH}/{SECRET}",
        content=encode(sample("record_created")),
        headers={"Content-Type": "text/plain"},
    )

    assert response.status_code == 200
    assert store.count_events() == 1


def test_a_json_array_is_400(app: Starlette, store: StateStore) -> None:
    response = post(app, [sample("record_created")])

    assert response.status_code == 400
    assert response.json() == {"error": "body must be a JSON object, not a JSON array"}
    assert store.count_events() == 0


# -- the schema ------------------------------------------------------------------------------

_SCHEMA_FAILURES = [
    pytest.param(without(sample("sync_complete"), "data.numRecords"), id="sync_complete"),
    pytest.param(
        without(replaced(sample("sync_completed"), "data", {"model": "files"}), "data.model"),
        id="sync_completed",
    ),
    pytest.param(without(sample("sync_errored"), "error.message"), id="sync_errored"),
    pytest.param(without(sample("record_created"), "data.recordId"), id="record_created"),
    pytest.param(without(sample("record_updated"), "data"), id="record_updated"),
    pytest.param(without(sample("record_deleted"), "data.recordId"), id="record_deleted"),
    pytest.param(without(sample("record_errored"), "error.recordId"), id="record_errored"),
    pytest.param(without(sample("record_created"), "syncInstanceId"), id="no-sync-id"),
    pytest.param(without(sample("mystery_event"), "user"), id="unknown-without-user"),
    pytest.param(without(sample("record_created"), "event"), id="no-event"),
]


@pytest.mark.parametrize("body", _SCHEMA_FAILURES)
def test_a_schema_failure_is_400_with_a_one_line_reason(
    app: Starlette, store: StateStore, body: dict[str, Any]
) -> None:
    response = post(app, body)

    assert response.status_code == 400
    answer = response.json()
    assert set(answer) == {"error"}
    assert answer["error"] and "\n" not in answer["error"]
    assert store.count_events() == 0


def test_a_record_deleted_without_its_record_id_says_so(app: Starlette) -> None:
    response = post(app, without(sample("record_deleted"), "data.recordId"))

    assert response.json() == {"error": "record_deleted needs data.recordId (a non-empty string)"}


# -- what is stored --------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", KNOWN_EVENTS)
def test_a_valid_event_is_committed_to_the_inbox_as_new(
    app: Starlette, store: StateStore, event_type: str
) -> None:
    body = sample(event_type)

    response = post(app, body)

    assert response.status_code == 200
    assert response.json() == {"status": "stored"}
    [stored] = store.events_after(0)
    assert stored.event_type == event_type
    assert stored.status is EventStatus.NEW
    assert (stored.user_id, stored.sync_id) == (USER, SYNC)
    assert stored.record_id == (RECORD if event_type.startswith("record_") else None)
    assert stored.payload == body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(sample("sync_complete"), id="sync_complete"),
        pytest.param(sample("sync_completed"), id="sync_completed"),
        pytest.param(
            envelope(
                "sync_completed",
                data={"model": "files", "synced_at": "2025-07-07T19:00:00Z", "num_records": 3},
            ),
            id="sync_completed-snake-case-data",
        ),
    ],
)
def test_both_spellings_of_the_initial_sync_event_are_stored_as_sync_complete(
    app: Starlette, store: StateStore, body: dict[str, Any]
) -> None:
    response = post(app, body)

    assert response.json() == {"status": "stored"}
    [stored] = store.events_after(0)
    assert stored.event_type == "sync_complete"
    assert stored.status is EventStatus.NEW


def test_an_unknown_but_well_formed_event_is_stored_as_ignored(
    app: Starlette, store: StateStore
) -> None:
    body = {"event": "permissionsChanged", "user": {"id": USER}, "data": {"objects": 3}}

    response = post(app, body)

    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    [stored] = store.events_after(0)
    assert stored.event_type == "permissions_changed"
    assert stored.status is EventStatus.IGNORED
    assert stored.payload == body
    assert store.count_events(EventStatus.NEW) == 0


def test_a_replay_storm_of_one_delivery_stores_one_row(app: Starlette, store: StateStore) -> None:
    body = encode(sample("record_updated"))
    calls = [
        (
            "POST",
            f"{PATH}/{SECRET}",
            {"content": body, "headers": {"Content-Type": "application/json"}},
        )
        for _ in range(200)
    ]

    responses = asyncio.run(requests(app, calls))

    assert [r.status_code for r in responses] == [200] * 200
    outcomes = sorted(r.json()["status"] for r in responses)
    assert outcomes == ["duplicate"] * 199 + ["stored"]
    assert store.count_events() == 1


def test_the_same_event_after_the_dedup_window_is_stored_again(
    app: Starlette, store: StateStore, clock: FakeClock
) -> None:
    body = sample("record_updated")

    first = post(app, body)
    clock.now += DEDUP_WINDOW_SECONDS / 2
    replay = post(app, body)
    clock.now += DEDUP_WINDOW_SECONDS
    edited_again = post(app, body)

    assert [r.json()["status"] for r in (first, replay, edited_again)] == [
        "stored",
        "duplicate",
        "stored",
    ]
    assert store.count_events() == 2


def test_distinct_events_in_one_bucket_are_all_stored(app: Starlette, store: StateStore) -> None:
    bodies = [sample("record_updated", record_id=f"rec-{i}") for i in range(5)]
    bodies += [sample("record_deleted", record_id="rec-0"), sample("sync_errored")]

    statuses = [post(app, body).json()["status"] for body in bodies]

    assert statuses == ["stored"] * 7
    assert store.count_events() == 7


def test_an_unwritable_inbox_is_503_so_the_sender_retries(
    app: Starlette, store: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE inbox"))

    with caplog.at_level(logging.ERROR, logger="syncrag.webhooks"):
        response = post(app, sample("record_created"))

    assert response.status_code == 503
    assert "again" in response.json()["error"]
    assert "Could not store a 'record_created' webhook" in caplog.text
    # The body is not logged, nor the SQL parameters that would carry it.
    assert RECORD not in caplog.text


# -- what no real user's event holds ---------------------------------------------------------

FORGED = "\n2026-01-01 00:00:00,000 INFO syncrag.webhooks: Webhook record_created: stored."


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """A migrated state DB on SQLite, then on PostgreSQL (skipped where no server answers)."""
    with open_backend(request.param, tmp_path) as backend, backend.open() as opened:
        yield opened


@pytest.mark.parametrize(
    "user_id",
    [
        pytest.param("u" * 257, id="257-characters"),
        pytest.param("mallory" + FORGED, id="newline"),
        pytest.param("mallory\rforged", id="carriage-return"),
        pytest.param("mallory\tx", id="tab"),
        pytest.param("mallory\x1b[2J", id="escape"),
        pytest.param("mallory\x7f", id="delete"),
        pytest.param("mallory\x85forged", id="c1-next-line"),
        pytest.param("mallory\u2028forged", id="line-separator"),
        pytest.param("mallory\u202elive", id="bidi-override"),
    ],
)
def test_a_user_id_no_connected_user_has_is_400_and_not_stored(
    app: Starlette, store: StateStore, user_id: str
) -> None:
    response = post(app, sample("record_created", user_id=user_id))

    assert response.status_code == 400
    reason = response.json()["error"]
    assert reason.startswith("user.id ") and reason.isprintable()
    assert store.count_events() == 0


def test_a_user_id_of_256_characters_is_stored(app: Starlette, store: StateStore) -> None:
    response = post(app, sample("record_created", user_id="u" * 256))

    assert response.json() == {"status": "stored"}
    [stored] = store.events_after(0)
    assert stored.user_id == "u" * 256


_NUL_BODIES = [
    pytest.param(replaced(sample("record_created"), "data.name", "a\x00b"), id="data"),
    pytest.param(replaced(sample("record_errored"), "error.message", "\x00"), id="error"),
    pytest.param(replaced(sample("record_created"), "credentialId", "c\x00"), id="credential"),
    pytest.param({"event": "mystery\x00", "user": {"id": USER}}, id="unknown-event-name"),
    pytest.param({"event": "mystery", "user": {"id": USER}, "k\x00": 1}, id="field-name"),
    pytest.param(replaced(sample("record_updated"), "data.list", [["\x00"]]), id="nested"),
]


@pytest.mark.parametrize("body", _NUL_BODIES)
def test_a_nul_anywhere_is_400_and_not_stored_on_either_backend(
    any_store: StateStore, body: dict[str, Any]
) -> None:
    app = create_app(any_store, secret=SECRET, clock=FakeClock())

    refused = post(app, body)
    stored = post(app, sample("record_created"))

    assert refused.status_code == 400, refused.text
    assert "NUL" in refused.json()["error"]
    # The store works: only the NUL delivery was left out.
    assert stored.json() == {"status": "stored"}
    assert [event.payload for event in any_store.events_after(0)] == [sample("record_created")]


def test_a_raw_nul_byte_in_the_body_is_400(app: Starlette, store: StateStore) -> None:
    response = request(
        app,
        "POST",
        f"{PATH}/{SECRET}",
        content=encode(sample("record_created")) + b"\x00",
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert store.count_events() == 0


def test_an_event_name_too_long_for_any_event_is_400_on_either_backend(
    any_store: StateStore,
) -> None:
    app = create_app(any_store, secret=SECRET, clock=FakeClock())
    # Seeded random letters: PostgreSQL compresses a repetitive name under its index row limit.
    name = "".join(random.Random(9).choices(string.ascii_lowercase, k=20_000))

    response = post(app, {"event": name, "user": {"id": USER}})

    assert response.status_code == 400
    assert "event" in response.json()["error"]
    assert any_store.count_events() == 0


def _webhook_log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "syncrag.webhooks"]


def test_values_from_a_delivery_cannot_forge_a_log_line(
    app: Starlette, store: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    bodies = [
        {"event": "mystery" + FORGED, "user": {"id": USER}},
        replaced(sample("record_created"), "data.recordId", "rec" + FORGED),
        replaced(sample("record_created"), "syncInstanceId", "sync\r" + FORGED),
        {"event": "mystery", "user": {"id": "mallory" + FORGED}},
        {**sample("record_created"), "k\x00" + FORGED: 1},
    ]

    with caplog.at_level(logging.DEBUG, logger="syncrag.webhooks"):
        statuses = [post(app, body).status_code for body in bodies]

    assert statuses == [200, 200, 200, 400, 400]
    lines = _webhook_log_lines(caplog)
    assert len(lines) == len(bodies)
    assert all(line.isprintable() for line in lines), lines
    # The event type, record id and sync id are there, escaped: what was sent can be read.
    assert sum("\\n2026" in line for line in lines) == 3


def test_a_failed_write_logs_the_event_type_escaped(
    app: Starlette, store: StateStore, caplog: pytest.LogCaptureFixture
) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE inbox"))

    with caplog.at_level(logging.ERROR, logger="syncrag.webhooks"):
        response = post(app, {"event": "mystery" + FORGED, "user": {"id": USER}})

    assert response.status_code == 503
    [line] = _webhook_log_lines(caplog)
    assert line.isprintable()
    assert "mystery\\n2026" in line


# -- other routes ----------------------------------------------------------------------------


def test_healthz_is_ok_over_a_migrated_store(app: Starlette) -> None:
    response = request(app, "GET", "/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_state_db_is_not_migrated(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'bare.db'}") as bare:
        response = request(create_app(bare, secret=SECRET), "GET", "/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_get_on_the_webhook_path_is_405(app: Starlette) -> None:
    assert request(app, "GET", f"{PATH}/{SECRET}").status_code == 405


def _padded(body: dict[str, Any], size: int) -> bytes:
    """body as JSON grown to exactly size bytes with a padding field."""
    base = json.dumps({**body, "padding": ""}).encode()
    padded = json.dumps({**body, "padding": "p" * (size - len(base))}).encode()
    assert len(padded) == size
    return padded
