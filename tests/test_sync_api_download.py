"""download_content(max_bytes=...): the body is streamed and the download stops at the limit."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from resources.sync_api import ContentTooLarge, RetryPolicy, SyncApiAuthError, format_size
from tests.test_sync_api_support import FakeParagon, FakeTime, make_client, reply

SYNC_ID = "a11347bd-d510-5489-9068-e5fded55a28c"
RECORD_ID = "3ce16e33-0163-564d-98ce-99b0a25ab375"
CONTENT_PATH = f"/api/syncs/{SYNC_ID}/records/{RECORD_ID}/content"
CHUNK = 64 * 1024
MB = 1_000_000


class EndlessBody:
    """A response body of `total` bytes made on demand, chunk by chunk; counts what was pulled."""

    def __init__(self, total: int = 1 << 40, fail_after: int | None = None) -> None:
        self.total = total
        self.fail_after = fail_after
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.pulled < self.total:
            if self.fail_after is not None and self.pulled >= self.fail_after:
                raise httpx.ReadError("connection reset mid-body")
            size = min(CHUNK, self.total - self.pulled)
            self.pulled += size
            yield b"x" * size

    def respond(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter(self), headers={"Content-Type": "text/plain"})


def test_a_huge_body_stops_just_past_the_limit() -> None:
    body = EndlessBody()  # a terabyte, if anyone read it all
    fake = FakeParagon().on("GET", CONTENT_PATH, body.respond)

    with make_client(fake) as client, pytest.raises(ContentTooLarge) as caught:
        client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=MB)

    assert body.pulled <= MB + CHUNK
    assert caught.value.limit_bytes == MB
    assert "is larger than the 1 MB download limit" in str(caught.value)
    assert len(fake.requests) == 1  # a limit is not a blip: never retried


def test_an_announced_size_over_the_limit_is_refused_before_reading() -> None:
    body = EndlessBody(total=5 * 10**9)

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter(body), headers={"Content-Length": str(body.total)})

    fake = FakeParagon().on("GET", CONTENT_PATH, respond)

    with make_client(fake) as client, pytest.raises(ContentTooLarge) as caught:
        client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=100 * MB)

    assert body.pulled == 0
    assert caught.value.announced_bytes == 5 * 10**9
    assert str(caught.value) == (
        "The content is larger than the 100 MB download limit (the server announced 5 GB)."
    )


def test_a_body_of_exactly_the_limit_is_returned_whole() -> None:
    body = EndlessBody(total=3 * CHUNK + 7)
    fake = FakeParagon().on("GET", CONTENT_PATH, body.respond)

    with make_client(fake) as client:
        content = client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=body.total)

    assert content.data == b"x" * body.total
    assert content.content_type == "text/plain"


def test_the_limit_counts_decoded_bytes_not_the_compressed_length() -> None:
    packed = gzip.compress(b"\0" * (10 * MB))  # about 10 KB on the wire
    fake = FakeParagon().on(
        "GET",
        CONTENT_PATH,
        reply(
            200, packed, headers={"Content-Encoding": "gzip", "Content-Length": str(len(packed))}
        ),
    )

    with make_client(fake) as client, pytest.raises(ContentTooLarge):
        client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=MB)


def test_blips_before_and_during_the_body_are_retried_like_any_request() -> None:
    broken = EndlessBody(total=4 * CHUNK, fail_after=2 * CHUNK)
    whole = EndlessBody(total=4 * CHUNK)
    fake = FakeParagon().on("GET", CONTENT_PATH, reply(503), broken.respond, whole.respond)
    time = FakeTime()

    with make_client(fake, time, retry=RetryPolicy(random=lambda: 0.5)) as client:
        content = client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=MB)

    assert content.data == b"x" * whole.total
    assert len(fake.requests) == 3
    assert len(time.sleeps) == 2


def test_a_refused_token_is_still_an_auth_error_and_not_retried() -> None:
    fake = FakeParagon().on("GET", CONTENT_PATH, reply(401, {"message": "Unauthorized"}))

    with make_client(fake) as client, pytest.raises(SyncApiAuthError):
        client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=MB)

    assert len(fake.requests) == 1


def test_a_huge_error_body_is_read_only_as_far_as_the_excerpt_needs() -> None:
    body = EndlessBody()

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=iter(body))

    fake = FakeParagon().on("GET", CONTENT_PATH, respond)

    with make_client(fake) as client, pytest.raises(Exception) as caught:
        client.download_content("user-42", SYNC_ID, RECORD_ID)

    assert "400" in str(caught.value)
    assert body.pulled <= 64 * 1024 + CHUNK


def test_a_negative_limit_is_refused() -> None:
    with make_client(FakeParagon()) as client, pytest.raises(ValueError, match="max_bytes"):
        client.download_content("user-42", SYNC_ID, RECORD_ID, max_bytes=-1)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (100 * MB, "100 MB"),
        (64 << 20, "64 MiB"),
        (2 << 30, "2 GiB"),
        (1_500_000, "1.5 MB"),
        (2_500, "2.5 KB"),
        (900, "900 bytes"),
    ],
)
def test_sizes_read_in_the_unit_they_were_set_in(size: int, text: str) -> None:
    assert format_size(size) == text
