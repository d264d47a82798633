"""A bad setting as a person meets it: help and version still work, and every command that needs
the settings says what to fix in one line on stderr, with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_BAD_SETTINGS = [
    {"SYNCRAG_PAGE_SIZE": "5000"},
    {"SYNCRAG_PAGE_SIZE": "abc"},
    {"SYNCRAG_MAX_TEXT_MB": "-1"},
]


# What the `syncrag` console script runs.
_SCRIPT = "import sys; from pipelines.cli.main import main; sys.exit(main())"


def _syncrag(tmp_path: Path, bad: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`syncrag ARGS` as the installed script runs it, in a fresh process (nothing imported yet)."""
    environ = {**os.environ, "SYNCRAG_HOME": str(tmp_path / "home"), **bad}
    environ.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        env=environ,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("bad", _BAD_SETTINGS, ids=lambda bad: "=".join(*bad.items()))
def test_help_and_version_work_whatever_the_settings(tmp_path: Path, bad: dict[str, str]) -> None:
    version = _syncrag(tmp_path, bad, "--version")
    helped = _syncrag(tmp_path, bad, "--help")

    assert (version.returncode, version.stderr) == (0, "")
    assert version.stdout.startswith("syncrag ")
    assert (helped.returncode, helped.stderr) == (0, "")
    assert "ingest" in helped.stdout


@pytest.mark.parametrize(
    "command",
    [["status"], ["ingest", "--user", "alice"], ["query", "--user", "alice", "croissant"]],
    ids=lambda command: command[0],
)
def test_a_command_that_needs_a_bad_setting_names_it_in_one_line_and_exits_2(
    tmp_path: Path, command: list[str]
) -> None:
    done = _syncrag(tmp_path, {"SYNCRAG_PAGE_SIZE": "5000"}, *command)

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "syncrag: Set SYNCRAG_PAGE_SIZE to a number at least 1 and at most 1000 (it is 5000)."
    ]
