"""Retries through the real client against the emulator's seeded 429 and 5xx faults."""

from __future__ import annotations

import pytest

from resources.sync_api import RetryPolicy, SyncApiClient, SyncApiUnavailable
from tests.contract.support import INTEGRATION, USER, ContractEnv, FakeTime, version, write

RETRY_AFTER_S = 2
# A fixed jitter makes every backoff predictable: half of its ceiling.
POLICY = RetryPolicy(max_attempts=8, max_total_seconds=600.0, random=lambda: 0.5)


def listing(client: SyncApiClient, sync_id: str) -> list[tuple[str, str]]:
    return [
        (record.id, version(record))
        for page in client.iter_record_pages(USER, sync_id, page_size=10)
        for record in page.records
    ]


def expected_sleeps(statuses: list[int], policy: RetryPolicy, retry_after: float) -> list[float]:
    """The waits a client owes after each failed attempt: Retry-After for 429, else backoff."""
    sleeps: list[float] = []
    attempt = 0
    for status in statuses:
        attempt += 1
        if status < 400:
            attempt = 0
            continue
        sleeps.append(retry_after if status == 429 else policy.backoff(attempt))
    return sleeps


def test_faults_do_not_change_the_final_listing_and_retry_after_is_honoured(
    env: ContractEnv,
) -> None:
    folder = env.folder()
    for index in range(45):
        write(folder, f"f{index:02}.txt", f"file {index}\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    clean = listing(client, sync.id)

    env.set_faults(rate_429=0.3, rate_5xx=0.3, retry_after_s=RETRY_AFTER_S, seed=5)
    time = FakeTime()
    faulted, recorder = env.recording_client(retry=POLICY, time=time)
    assert faulted.get_sync(USER, sync.id).id == sync.id
    assert listing(faulted, sync.id) == clean

    statuses = recorder.statuses()
    failures = [status for status in statuses if status >= 400]
    assert 429 in failures and any(status >= 500 for status in failures)
    assert set(failures) <= {429, 502, 503, 504}
    calls = len(statuses) - len(failures)
    assert calls == 1 + len(clean) // 10 + 1
    assert len(statuses) <= calls * POLICY.max_attempts
    assert time.sleeps == expected_sleeps(statuses, POLICY, RETRY_AFTER_S)


def test_a_server_that_keeps_throttling_is_given_up_on_after_the_attempt_budget(
    env: ContractEnv,
) -> None:
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.set_faults(rate_429=1.0, retry_after_s=7)
    time = FakeTime()
    throttled, recorder = env.recording_client(retry=POLICY, time=time)

    with pytest.raises(SyncApiUnavailable) as caught:
        throttled.get_sync(USER, sync.id)

    assert caught.value.status_code == 429
    assert recorder.statuses() == [429] * POLICY.max_attempts
    assert time.sleeps == [7.0] * (POLICY.max_attempts - 1)
    env.set_faults(rate_429=0.0)
    assert throttled.get_sync(USER, sync.id).id == sync.id


def test_a_listing_broken_by_a_server_error_fails_loudly_without_retries(
    env: ContractEnv,
) -> None:
    for index in range(30):
        write(env.folder(), f"f{index:02}.txt", f"file {index}\n")
    client = env.client()
    sync = client.enable_sync(USER, INTEGRATION, "files")
    env.run(sync.id, "initial")
    env.set_faults(feed_break="error", feed_break_after_pages=2)
    time = FakeTime()
    broken, recorder = env.recording_client(retry=POLICY, time=time)

    served = []
    with pytest.raises(SyncApiUnavailable) as caught:
        for page in broken.iter_record_pages(USER, sync.id, page_size=10):
            served.append(len(page.records))

    assert served == [10, 10]
    assert caught.value.status_code == 500
    assert recorder.statuses() == [200, 200, 500]
    assert time.sleeps == []
