"""`syncrag ingest` when a run fails: one sentence per user saying why, in the words of syncrag's
own error, no stack trace on the terminal, and a non-zero exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import ensure_dev_keypair
from pipelines.cli.main import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with a signing key and the fake embedder; nothing listens at the Sync API's URL."""
    home = tmp_path / "home"
    ensure_dev_keypair(home / "keys")
    monkeypatch.setenv("SYNCRAG_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("SYNCRAG_EMBEDDING_BACKEND", "fake")
    monkeypatch.setenv("SYNCRAG_SYNC_API_URL", "http://127.0.0.1:1")
    monkeypatch.chdir(tmp_path)
    return home


def test_ingest_with_the_sync_api_down_says_so_in_one_line_per_user(
    home: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["ingest", "--user", "alice", "--user", "bob"])

    out, err = capfd.readouterr()
    assert code == 1
    assert [line.split(": ", 2)[:2] for line in out.splitlines()] == [
        ["alice", "run failed"],
        ["bob", "run failed"],
    ]
    for line in out.splitlines():
        assert "Could not reach the Sync API at http://127.0.0.1:1" in line
        assert "check that it is running" in line
    assert "Traceback" not in err
    assert "Stack Trace" not in err


def test_ingest_without_a_signing_key_names_the_setting_in_one_line(
    home: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCRAG_SIGNING_KEY_PATH", str(home / "no-such-key.pem"))

    code = main(["ingest", "--user", "alice"])

    out, err = capfd.readouterr()
    assert code == 1
    assert out.splitlines() == [
        f"alice: run failed: No signing key file exists at {home / 'no-such-key.pem'}: set "
        "SYNCRAG_SIGNING_KEY_PATH to the PEM file of your Paragon signing key or "
        "SYNCRAG_SIGNING_KEY to its text."
    ]
    assert "Stack Trace" not in err


def test_enable_with_the_sync_api_down_is_one_line_exit_1(
    home: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["enable", "--user", "alice", "--integration", "googledrive"])

    _, err = capfd.readouterr()
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith("syncrag: Could not reach the Sync API at http://127.0.0.1:1 ")
    assert line.endswith("check that it is running and reachable, then try again.")
