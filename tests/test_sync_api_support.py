"""Shared fakes for the Sync API client tests: RSA keys, a fake Paragon server and a fake clock."""

from __future__ import annotations

import functools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from resources.sync_api import RetryPolicy, SyncApiClient, UserTokenSigner

PROJECT_ID = "1ea8024c-23a7-4885-b925-c50d0faf9318"
BASE_URL = "https://sync.example.test"

Reply = Callable[[httpx.Request], httpx.Response]


@functools.cache
def rsa_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of one 2048-bit key per test process: generating is slow-ish."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def reply(status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None) -> Reply:
    """A reply with a JSON body (a str or bytes body is sent as is)."""

    def respond(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str | bytes):
            return httpx.Response(status, content=body, headers=headers)
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return respond


def connection_refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@dataclass
class FakeParagon:
    """Answers each (method, path) with queued replies; the last reply repeats. Records requests."""

    routes: dict[tuple[str, str], deque[Reply]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, *replies: Reply) -> FakeParagon:
        self.routes[(method, path)] = deque(replies)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json={"message": "no such route in the fake"})
        respond = queue.popleft() if len(queue) > 1 else queue[0]
        return respond(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def json_bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps; records the sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_signer(clock: Callable[[], float] | None = None, lifetime: int = 3600) -> UserTokenSigner:
    private_pem, _ = rsa_key_pair()
    if clock is None:
        return UserTokenSigner(private_pem, PROJECT_ID, lifetime_seconds=lifetime)
    return UserTokenSigner(private_pem, PROJECT_ID, lifetime_seconds=lifetime, clock=clock)


def make_client(
    fake: FakeParagon,
    time: FakeTime | None = None,
    *,
    retry: RetryPolicy | None = None,
    base_url: str = BASE_URL,
) -> SyncApiClient:
    time = time or FakeTime()
    return SyncApiClient(
        base_url,
        make_signer(),
        transport=fake.transport,
        retry=retry or RetryPolicy(random=lambda: 0.5),
        sleep=time.sleep,
        clock=time.clock,
    )
