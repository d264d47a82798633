"""The bench daemon's environment: the stack's own settings, never the shell's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.daemon_process import daemon_environment


def test_the_shells_syncrag_and_qdrant_settings_do_not_reach_the_measured_daemon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNCRAG_SENSOR_INTERVAL_SECONDS", "60")
    monkeypatch.setenv("QDRANT_URL", "http://elsewhere:6333")
    monkeypatch.setenv("PATH", "/usr/bin")

    env = daemon_environment(
        dagster_home=Path("/tmp/home"),
        api_url="http://127.0.0.1:1",
        project_id="project",
        private_key=Path("/tmp/key.pem"),
        state_url="sqlite:///state.db",
        edge_path=Path("/tmp/qdrant"),
        embedding_backend="onnx-int8",
        SYNCRAG_RUN_BATCH_USERS="50",
    )

    assert "SYNCRAG_SENSOR_INTERVAL_SECONDS" not in env and "QDRANT_URL" not in env
    assert env["PATH"] == "/usr/bin"
    assert env["SYNCRAG_RUN_BATCH_USERS"] == "50"
    assert env["SYNCRAG_QDRANT_EDGE_PATH"] == "/tmp/qdrant"
    assert env["HF_HUB_OFFLINE"] == "1"
