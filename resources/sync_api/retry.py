"""When to retry a Sync API call and how long to wait: full-jitter backoff, bounded."""

from __future__ import annotations

import random as stdlib_random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# 429 and the gateway errors say "try again later"; a plain 500 is the server's bug, not a blip.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by `max_attempts` and `max_total_seconds`.

    `random` returns a float in [0, 1); inject a fixed one to make delays predictable.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_seconds: float = 60.0
    random: Callable[[], float] = field(default=stdlib_random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if min(self.base_delay, self.max_delay, self.max_total_seconds) < 0:
            raise ValueError("base_delay, max_delay and max_total_seconds must not be negative")

    def backoff(self, attempt: int) -> float:
        """A full-jitter delay after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(attempt - 1, 0))
        return ceiling * self.random()

    def next_delay(
        self, attempt: int, elapsed: float, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait before retrying after failed attempt `attempt`, or None to give up.

        `elapsed` is the time spent since the first attempt began; `retry_after` is the server's
        Retry-After in seconds, honoured in place of the backoff but capped like it.
        """
        if attempt >= self.max_attempts:
            return None
        remaining = self.max_total_seconds - elapsed
        if remaining <= 0:
            return None
        delay = self.backoff(attempt) if retry_after is None else retry_after
        return max(0.0, min(delay, self.max_delay, remaining))


def is_retryable_status(status_code: int) -> bool:
    """True for the statuses worth retrying: 429, 502, 503, 504."""
    return status_code in RETRYABLE_STATUSES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date); None if unusable.

    `now` is the reference for an HTTP date; pass the response's own Date header when there is
    one, so that a skewed local clock does not stretch or cut the wait.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
