"""Defaults as the help and the docs state them are the defaults the commands use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.settings import SETTINGS

_ROOT = Path(__file__).resolve().parents[1]


def test_emulator_serve_help_names_the_folders_under_the_home(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "serve", "--help"])

    assert exited.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "(default $SYNCRAG_HOME/emulator)" in help_text
    assert "(default $SYNCRAG_HOME/keys)" in help_text
    assert "default .syncrag" not in help_text


def test_the_webhooks_readme_states_the_state_dbs_real_default() -> None:
    [default] = [s.default for s in SETTINGS if s.name == "SYNCRAG_STATE_URL"]
    readme = " ".join((_ROOT / "webhooks" / "README.md").read_text(encoding="utf-8").split())

    stated = re.findall(r"`SYNCRAG_STATE_URL` \(default `([^`]+)`", readme)

    assert stated == [default]
