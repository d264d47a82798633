"""Run from a folder with no home: the commands that only read (status, query, explain) say
which home they looked in, and leave no new empty home behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli.main import main


@pytest.fixture
def subdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no `.syncrag`, the working folder, SYNCRAG_HOME and the state URL unset."""
    for name in ("SYNCRAG_HOME", "SYNCRAG_STATE_URL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNCRAG_EMBEDDING_BACKEND", "fake")
    monkeypatch.setenv("COLUMNS", "80")
    folder = tmp_path / "subdir"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_status_names_the_home_it_found_no_syncs_in_and_creates_none(
    subdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert out == (
        f"No syncs yet in {subdir / '.syncrag'} (SYNCRAG_HOME): enable one with `syncrag enable`."
    )
    assert list(subdir.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        ["status", "--user", "alice"],
        ["query", "--user", "alice", "croissant"],
        ["explain", "--user", "alice", "plan.md"],
    ],
    ids=lambda command: command[0],
)
def test_an_unknown_user_is_named_with_the_home_and_no_home_is_created(
    subdir: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == 1

    assert capsys.readouterr().err.splitlines() == [
        f"syncrag: no sync of user 'alice' is known here, in {subdir / '.syncrag'} "
        "(SYNCRAG_HOME): enable one with `syncrag enable --user alice --integration "
        "<integration>`."
    ]
    assert list(subdir.iterdir()) == []
