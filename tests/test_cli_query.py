"""`syncrag query` mistakes as a person meets them: a store or model that cannot be used, a count
below 1, nothing to look for. Each is one line on stderr and a non-zero exit code, 2 for usage
and settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli.main import main
from resources.state import StateStore
from tests.test_state_support import add_sync, change

# What the `syncrag` console script runs.
_SCRIPT = "import sys; from pipelines.cli.main import main; sys.exit(main())"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home whose state DB knows a sync of alice; the fake embedder; run from another folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("SYNCRAG_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("SYNCRAG_EMBEDDING_BACKEND", "fake")
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        add_sync(state, "s1", "alice")
    return home


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    [line] = err.splitlines()
    return line


def test_a_vector_store_that_cannot_be_reached_is_one_line_exit_1(home: Path) -> None:
    # In a process of its own: the Qdrant client warns from a thread that outlives the command.
    environ = {**os.environ, "QDRANT_URL": "http://127.0.0.1:1"}

    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, "query", "--user", "alice", "croissant"],
        env=environ,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert line.startswith("syncrag: Could not prepare collection ")
    assert "on Qdrant at http://127.0.0.1:1" in line


def test_an_unknown_embedding_backend_is_one_line_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCRAG_EMBEDDING_BACKEND", "bogus")

    code = main(["query", "--user", "alice", "croissant"])

    assert code == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("syncrag: ")
    assert "bogus" in line


@pytest.mark.parametrize("k", ["0", "-3"])
def test_a_count_below_1_is_a_usage_error(
    home: Path, capsys: pytest.CaptureFixture[str], k: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["query", "--user", "alice", "croissant", "-k", k])

    assert exited.value.code == 2
    assert _one_line(capsys.readouterr().err) == (
        f"syncrag query: argument -k: must be at least 1, not {k} (see syncrag query --help)"
    )


@pytest.mark.parametrize("text", ["", "  \t "])
def test_nothing_to_look_for_is_a_usage_error(
    home: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["query", "--user", "alice", text])

    assert exited.value.code == 2
    assert _one_line(capsys.readouterr().err) == (
        "syncrag query: argument text: say what to look for, not an empty string "
        "(see syncrag query --help)"
    )


def test_a_search_of_a_user_with_nothing_indexed_says_so(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "--user", "alice", "croissant", "--mode", "sparse"]) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert "no results: nothing of alice's is indexed yet (syncrag ingest --user alice)." in out


def test_a_sparse_search_that_matches_no_indexed_text_says_so(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with StateStore.open(f"sqlite:///{home / 'state.db'}") as state:
        state.apply_page(user_id="alice", sync_id="s1", changes=[change("doc")], cursor="c1")
        state.mark_indexed(
            sync_id="s1", record_id="doc", metadata_hash="h1", content_hash="c", chunk_count=2
        )

    assert main(["query", "--user", "alice", "zyzzyva", "--mode", "sparse"]) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert "no results: none of alice's 1 indexed record(s) contains these words." in out
    assert "materialized" not in out
