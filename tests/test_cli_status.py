"""`syncrag status` with more errored records than it lists: it says how many more there are."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli.main import main
from resources.state import StateStore
from tests.test_state_support import add_sync, change


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SYNCRAG_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    return home


def _errored(home: Path, user: str, count: int) -> None:
    """A sync of `user` with `count` records that could not be indexed."""
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        add_sync(state, f"sync-{user}", user)
        names = [f"{user}-{n:02d}" for n in range(count)]
        state.apply_page(
            user_id=user,
            sync_id=f"sync-{user}",
            changes=[change(name) for name in names],
            cursor="c1",
        )
        for name in names:
            state.mark_errored(
                sync_id=f"sync-{user}", record_id=name, metadata_hash="h1", reason="unreadable"
            )


def test_status_says_how_many_errored_records_it_did_not_list(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _errored(home, "ada", 13)
    _errored(home, "bob", 10)

    assert main(["status"]) == 0

    errored = [line for line in capsys.readouterr().out.splitlines() if line.startswith("errored")]
    assert len([line for line in errored if line.startswith("errored ada: ada-")]) == 10
    assert len([line for line in errored if line.startswith("errored bob: bob-")]) == 10
    assert [line for line in errored if "more" in line] == ["errored ada: and 3 more"]
