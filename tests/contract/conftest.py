"""Fixtures of the contract suite: signing keys once per session, and one emulator per test
reached in-process (`in_process`) or over a real socket (`socket`): every test runs on both."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorConfig, create_app
from emulator.testing import WebhookRecorder
from pipelines.servers import BackgroundServer
from tests.contract.support import ContractEnv, KeyPair
from tests.contract.transports import SharedTransport, SyncASGITransport

IN_PROCESS_URL = "http://emulator.test"
WEBHOOK_URL = "http://receiver.test/hooks"


@pytest.fixture(scope="session")
def keys() -> KeyPair:
    """The project's signing key pair: the emulator holds the public half."""
    return KeyPair.generate()


@pytest.fixture(scope="session")
def other_keys() -> KeyPair:
    """A key pair the emulator has never seen."""
    return KeyPair.generate()


@pytest.fixture(params=["in_process", "socket"])
def env(request: pytest.FixtureRequest, tmp_path: Path, keys: KeyPair) -> Iterator[ContractEnv]:
    """A fresh emulator over an empty corpus under `tmp_path`, without timers."""
    root = tmp_path / "root"
    root.mkdir()
    config = EmulatorConfig(
        root=root,
        public_key_pem=keys.public_pem,
        webhook_url=WEBHOOK_URL,
        webhook_backoff_s=0.0,
    )
    recorder = WebhookRecorder()
    app = create_app(config, background=False, webhook_transport=recorder.transport)
    with contextlib.ExitStack() as stack:
        if request.param == "in_process":
            shared = stack.enter_context(SyncASGITransport(app))
            base_url = IN_PROCESS_URL

            def new_transport() -> httpx.BaseTransport:
                return SharedTransport(shared)
        else:
            server = stack.enter_context(BackgroundServer(app))
            base_url = server.url

            def new_transport() -> httpx.BaseTransport:
                return httpx.HTTPTransport()

        contract_env = ContractEnv(
            kind=request.param,
            base_url=base_url,
            root=root,
            config=config,
            keys=keys,
            webhooks=recorder,
            new_transport=new_transport,
        )
        stack.callback(contract_env.close)
        yield contract_env
