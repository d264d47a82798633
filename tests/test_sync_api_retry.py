"""Retries: the backoff policy on its own, then the client under 429/503 and refused connections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resources.sync_api import (
    RetryPolicy,
    SyncApiBadRequest,
    SyncApiUnavailable,
    is_retryable_status,
    parse_retry_after,
)
from tests.test_sync_api_support import (
    FakeParagon,
    FakeTime,
    connection_refused,
    make_client,
    reply,
)

SYNCS = {
    "data": [{"id": "s1", "integration": "googledrive", "pipeline": "files", "status": "IDLE"}]
}


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    top = RetryPolicy(base_delay=0.5, max_delay=3.0, random=lambda: 0.999999)
    bottom = RetryPolicy(random=lambda: 0.0)

    ceilings = [round(top.backoff(attempt), 3) for attempt in range(1, 6)]

    assert ceilings == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert bottom.backoff(4) == 0.0
    assert RetryPolicy(base_delay=1.0, random=lambda: 0.25).backoff(3) == 1.0


def test_no_delay_once_attempts_are_used_up() -> None:
    policy = RetryPolicy(max_attempts=3, random=lambda: 0.5)

    assert policy.next_delay(1, elapsed=0.0) is not None
    assert policy.next_delay(2, elapsed=0.0) is not None
    assert policy.next_delay(3, elapsed=0.0) is None


def test_delays_stay_inside_the_total_budget() -> None:
    policy = RetryPolicy(max_total_seconds=10.0, max_delay=20.0, random=lambda: 0.5)

    assert policy.next_delay(1, elapsed=8.0, retry_after=5.0) == 2.0
    assert policy.next_delay(1, elapsed=10.0) is None


def test_retry_after_is_honoured_but_capped_by_max_delay() -> None:
    policy = RetryPolicy(max_delay=20.0, random=lambda: 0.5)

    assert policy.next_delay(1, elapsed=0.0, retry_after=7.0) == 7.0
    assert policy.next_delay(1, elapsed=0.0, retry_after=600.0) == 20.0


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_delay=-1)


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 7, 7, 19, 0, 0, tzinfo=UTC)

    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after("Mon, 07 Jul 2025 19:00:12 GMT", now=now) == 12.0
    assert parse_retry_after("Mon, 07 Jul 2025 18:59:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_statuses_that_are_not_retried(status: int) -> None:
    assert not is_retryable_status(status)


def test_client_gets_through_503s_with_jittered_backoff() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(503), reply(503), reply(200, SYNCS))
    time = FakeTime()

    with make_client(fake, time, retry=RetryPolicy(base_delay=0.5, random=lambda: 0.5)) as client:
        syncs = client.list_syncs("user-42")

    assert [s.id for s in syncs] == ["s1"]
    assert len(fake.requests) == 3
    assert time.sleeps == [0.25, 0.5]


def test_client_honours_retry_after_seconds_on_429() -> None:
    fake = FakeParagon().on(
        "GET", "/api/syncs", reply(429, headers={"Retry-After": "7"}), reply(200, SYNCS)
    )
    time = FakeTime()

    with make_client(fake, time) as client:
        client.list_syncs("user-42")

    assert time.sleeps == [7.0]


def test_client_reads_an_http_date_retry_after_against_the_server_date() -> None:
    headers = {
        "Date": "Mon, 07 Jul 2025 19:00:00 GMT",
        "Retry-After": "Mon, 07 Jul 2025 19:00:04 GMT",
    }
    fake = FakeParagon().on("GET", "/api/syncs", reply(503, headers=headers), reply(200, SYNCS))
    time = FakeTime()

    with make_client(fake, time) as client:
        client.list_syncs("user-42")

    assert time.sleeps == [4.0]


def test_client_retries_refused_connections() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", connection_refused, reply(200, SYNCS))
    time = FakeTime()

    with make_client(fake, time) as client:
        assert len(client.list_syncs("user-42")) == 1

    assert len(time.sleeps) == 1


def test_exhausted_retries_raise_unavailable_after_max_attempts() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(503, "down for maintenance"))
    time = FakeTime()

    with (
        make_client(fake, time, retry=RetryPolicy(max_attempts=4)) as client,
        pytest.raises(SyncApiUnavailable) as caught,
    ):
        client.list_syncs("user-42")

    assert len(fake.requests) == 4
    assert len(time.sleeps) == 3
    assert caught.value.status_code == 503
    assert "after 4 attempt(s)" in str(caught.value)
    assert caught.value.body_excerpt == "down for maintenance"


def test_unreachable_api_raises_unavailable_naming_the_host() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", connection_refused)

    with (
        make_client(fake, retry=RetryPolicy(max_attempts=2)) as client,
        pytest.raises(SyncApiUnavailable, match=r"sync\.example\.test.*2 attempt"),
    ):
        client.list_syncs("user-42")

    assert len(fake.requests) == 2


def test_total_time_budget_stops_retries_before_max_attempts() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(429, headers={"Retry-After": "20"}))
    time = FakeTime()
    policy = RetryPolicy(max_attempts=10, max_delay=20.0, max_total_seconds=50.0)

    with make_client(fake, time, retry=policy) as client, pytest.raises(SyncApiUnavailable):
        client.list_syncs("user-42")

    assert time.sleeps == [20.0, 20.0, 10.0]
    assert len(fake.requests) == 4


def test_plain_server_error_is_not_retried() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(500, {"message": "boom"}))
    time = FakeTime()

    with make_client(fake, time) as client, pytest.raises(SyncApiUnavailable) as caught:
        client.list_syncs("user-42")

    assert len(fake.requests) == 1
    assert time.sleeps == []
    assert caught.value.status_code == 500


def test_bad_request_is_not_retried() -> None:
    fake = FakeParagon().on("GET", "/api/syncs", reply(400, {"message": "bad credentialId"}))
    time = FakeTime()

    with make_client(fake, time) as client, pytest.raises(SyncApiBadRequest):
        client.list_syncs("user-42", credential_id="nope")

    assert len(fake.requests) == 1
    assert time.sleeps == []
