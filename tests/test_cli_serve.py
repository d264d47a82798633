"""`syncrag serve --print` warns of what the printed commands will refuse to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli.main import main

_WARNING = (
    "syncrag serve: the webhook receiver will refuse to start on 0.0.0.0 without "
    "SYNCRAG_WEBHOOK_SECRET: set it in the receiver's environment."
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SYNCRAG_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("SYNCRAG_WEBHOOK_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    return home


def test_print_beyond_loopback_without_a_secret_warns_that_the_receiver_will_refuse(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--print"]) == 0

    captured = capsys.readouterr()
    assert captured.err.splitlines() == [_WARNING]
    assert "webhooks serve --host 0.0.0.0" in captured.out


@pytest.mark.parametrize(
    ("host", "secret"), [("127.0.0.1", ""), ("localhost", ""), ("0.0.0.0", "s3cret")]
)
def test_print_on_loopback_or_with_a_secret_warns_of_nothing(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    secret: str,
) -> None:
    monkeypatch.setenv("SYNCRAG_WEBHOOK_SECRET", secret)

    assert main(["serve", "--host", host, "--print"]) == 0

    assert capsys.readouterr().err == ""
