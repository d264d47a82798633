"""`syncrag serve` for real: started from a folder with no SYNCRAG_HOME, the receiver, the
Dagster daemon and the Dagster UI all come up on the one home under that folder, and SIGTERM
stops the three."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance

from emulator import ensure_dev_keypair
from pipelines.servers import free_port
from resources.state import StateStore
from tests.test_webhooks_support import encode, sample
from webhooks import WEBHOOK_PATH

START_SECONDS = 240.0


def _wait_for(what: str, check: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"syncrag serve exited ({process.returncode})"
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what} did not come up within {START_SECONDS:.0f} s")


def _ok(url: str) -> bool:
    return httpx.get(url, timeout=5).status_code == 200


@pytest.mark.slow
def test_serve_runs_the_receiver_daemon_and_ui_on_the_home_of_its_folder(tmp_path: Path) -> None:
    home = tmp_path / ".syncrag"
    ensure_dev_keypair(home / "keys")
    receiver, ui = free_port(), free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCRAG_", "DAGSTER_"))}
    environ["SYNCRAG_EMBEDDING_BACKEND"] = "fake"
    command = [sys.executable, "-m", "pipelines.cli.main", "serve"]
    ports = ["--webhook-port", str(receiver), "--ui-port", str(ui)]
    process = subprocess.Popen([*command, *ports], cwd=tmp_path, env=environ)
    try:
        _wait_for("the receiver", lambda: _ok(f"http://127.0.0.1:{receiver}/healthz"), process)
        answer = httpx.post(
            f"http://127.0.0.1:{receiver}{WEBHOOK_PATH}",
            content=encode(sample("sync_complete")),
            timeout=10,
        )
        assert answer.status_code == 200
        with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
            assert state.count_events() == 1

        _wait_for("the Dagster UI", lambda: _ok(f"http://127.0.0.1:{ui}/server_info"), process)

        def daemon_beats() -> bool:
            with DagsterInstance.from_config(str(home / "dagster")) as instance:
                return bool(instance.get_daemon_heartbeats())

        _wait_for("the Dagster daemon", daemon_beats, process)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=90)

    assert code == 0
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{receiver}/healthz", timeout=2)
