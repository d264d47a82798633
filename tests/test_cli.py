"""The `syncrag` command line as a person meets it: help on every option, one-line errors with
non-zero exit codes, tables within 80 columns, and every path under one SYNCRAG_HOME."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pipelines.cli import runtime, serve
from pipelines.cli.demo import summary_table
from pipelines.cli.ingest import UserRunSummary
from pipelines.cli.main import build_parser, main
from pipelines.cli.progress import RecordCounts, RecordProgress
from resources.state import StateStore
from tests.test_state_support import add_sync, change


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SYNCRAG_HOME in a temp folder; commands run from another folder; 80 columns."""
    home = tmp_path / "home"
    monkeypatch.setenv("SYNCRAG_HOME", str(home))
    # The CLI exports DAGSTER_HOME for the instance it opens: keep that within the test.
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("COLUMNS", "80")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return home


def _state(home: Path) -> StateStore:
    return StateStore.open(f"sqlite:///{home / 'state.db'}")


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _subparsers(sub)
    return found


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert re.fullmatch(r"syncrag \S+\n", capsys.readouterr().out)


def test_every_command_says_what_it_does_and_every_option_has_help() -> None:
    missing = [
        f"{parser.prog} {'/'.join(action.option_strings) or action.dest}"
        for parser in _subparsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    undescribed = [p.prog for p in _subparsers(build_parser())[1:] if not p.description]

    assert missing == []
    assert undescribed == []


def test_a_usage_mistake_is_one_line_pointing_at_the_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["query", "--user", "ada"])

    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "syncrag query: the following arguments are required: text (see syncrag query --help)"
    ]


def test_status_fits_80_columns_and_counts_no_folder_as_indexed(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _state(home) as state:
        add_sync(state, "s1", "ada")
        state.apply_page(
            user_id="ada",
            sync_id="s1",
            changes=[change("folder"), change("doc"), change("bad"), change("new")],
            cursor="c1",
        )
        state.mark_indexed(
            sync_id="s1", record_id="folder", metadata_hash="h1", content_hash="c", chunk_count=0
        )
        state.mark_indexed(
            sync_id="s1", record_id="doc", metadata_hash="h1", content_hash="c", chunk_count=4
        )
        state.mark_errored(sync_id="s1", record_id="bad", metadata_hash="h1", reason="[why] not")

    assert main(["status"]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "user" in line and "sync" in line)
    assert header.split() == [
        "user",
        "sync",
        "status",
        "pulled",
        "pending",
        "indexed",
        "errored",
        "deleted",
    ]
    row = next(line for line in lines if line.split()[:1] == ["ada"])
    assert row.split()[-4:] == ["1", "1", "1", "0"]
    words = " ".join(out.split())
    assert "1 folder(s) or other records without text, not counted as indexed" in words
    assert "bad.txt: [why] not" in words


def test_status_of_an_unknown_user_exits_1_in_one_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--user", "nobody"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("syncrag: no sync of user 'nobody' is known here")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("user", "says"),
    [("", "--user needs a user id"), ("nobody", "no sync of user 'nobody'")],
)
def test_query_for_no_user_or_an_unknown_one_exits_1_in_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], user: str, says: str
) -> None:
    assert main(["query", "--user", user, "anything"]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"syncrag: {says}")
    assert len(err.splitlines()) == 1


def test_a_missing_signing_key_is_one_line_naming_the_settings(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "--user", "ada"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("syncrag: ")
    assert "SYNCRAG_SIGNING_KEY" in err
    assert len(err.splitlines()) == 1


def test_enable_with_a_configuration_that_is_no_json_object_exits_1(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["enable", "--user", "ada", "--integration", "x", "--configuration", "[1]"])

    assert code == 1
    assert capsys.readouterr().err == (
        "syncrag: --configuration must be a JSON object, not '[1]'.\n"
    )


def test_the_demo_summary_fits_80_columns_with_every_header_whole() -> None:
    summaries = [
        UserRunSummary(
            user_id=f"user-with-a-rather-long-id-{i}@example.com",
            success=True,
            records={"records_new": 1234},
            index={"records_indexed": 1234, "chunks_total": 56789, "chunks_embedded": 56789},
        )
        for i in range(2)
    ]
    console = Console(width=80, record=True)

    console.print(summary_table(summaries, 12.5))

    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "records" in line)
    assert header.split() == [
        "user",
        "records",
        "indexed",
        "errored",
        "chunks",
        "embedded",
        "reused",
        "check",
    ]


def test_serve_runs_the_receiver_daemon_and_ui_on_one_absolute_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SYNCRAG_HOME", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", "unused")
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.chdir(tmp_path)

    assert main(["serve", "--print"]) == 0

    lines = capsys.readouterr().out.splitlines()
    home = tmp_path / ".syncrag"
    assert lines[:2] == [f"SYNCRAG_HOME={home}", f"DAGSTER_HOME={home / 'dagster'}"]
    commands = [line for line in lines[2:] if not line.startswith("#")]
    assert commands[0].endswith("-m pipelines.cli.main webhooks serve --host 127.0.0.1 --port 8788")
    assert commands[1].endswith("dagster-daemon run -m pipelines.definitions")
    assert commands[2].endswith("dagster-webserver -m pipelines.definitions -h 127.0.0.1 -p 3000")
    assert (home / "dagster" / "dagster.yaml").exists()


_OPEN_THE_INSTANCE = (
    "from dagster import DagsterInstance\n"
    "with DagsterInstance.get() as instance:\n"
    "    instance.get_daemon_heartbeats()\n"
)


def test_a_prepared_dagster_home_opens_in_several_processes_at_once(home: Path) -> None:
    """The daemon, the webserver and its code server open the instance together; on a new SQLite
    home each used to create and stamp the tables, and a process that saw two stamps failed
    ("more than one head present")."""
    assert runtime.prepare_dagster_instance() == home / "dagster"

    openers = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_THE_INSTANCE],
            env={**os.environ, "DAGSTER_HOME": str(home / "dagster")},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    failures = [err for _, err in (p.communicate(timeout=120) for p in openers) if err.strip()]
    assert [p.returncode for p in openers] == [0, 0, 0, 0], failures


def test_a_dagster_home_that_cannot_be_opened_is_one_sentence_at_start_up(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text("storage:\n  no_such_storage: {}\n")

    assert main(["serve", "--no-ui", "--webhook-port", "0"]) != 0

    error = capsys.readouterr().err.strip()
    assert error.startswith("syncrag: the Dagster instance in ")
    assert error.endswith(f"fix the storage settings in {home / 'dagster' / 'dagster.yaml'}.")


def test_a_dagster_home_whose_server_is_down_is_one_sentence_without_its_password(
    home: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text(
        "storage:\n  custom:\n    module: pipelines.dagster_storage\n"
        "    class: PooledPostgresStorage\n    config:\n      postgres_db:\n"
        "        scheme: postgresql+psycopg2\n        hostname: 127.0.0.1\n        port: 1\n"
        "        db_name: nowhere\n        username: someone\n        password: s3cret-pw-XYZ\n"
    )

    assert main(["serve", "--no-ui", "--webhook-port", "0"]) != 0

    out, err = capfd.readouterr()
    assert "s3cret-pw-XYZ" not in out + err
    assert err.strip().splitlines()[-1].startswith("syncrag: the Dagster instance in ")


def test_serve_creates_the_instance_before_it_starts_the_services(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found: list[list[str]] = []

    def supervise(planned: list[serve.Service], environ: dict[str, str]) -> int:
        found.append(sorted(p.name for p in Path(environ["DAGSTER_HOME"]).rglob("*.db")))
        return 0

    monkeypatch.setattr(serve, "_supervise", supervise)

    assert main(["serve", "--no-ui", "--webhook-port", "0"]) == 0

    assert found and "schedules.db" in found[0] and "runs.db" in found[0]


def test_the_receiver_stores_into_the_homes_state_db_from_any_folder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: served.update(options))

    assert main(["webhooks", "serve", "--port", "9912"]) == 0

    assert served["port"] == 9912
    assert (home / "state.db").exists()
    assert not Path(os.getcwd(), ".syncrag").exists()


def test_ingest_progress_counts_records_done_of_those_still_synced(home: Path) -> None:
    seen: list[RecordCounts] = []
    with _state(home) as state:
        add_sync(state, "s1", "ada")
        state.apply_page(
            user_id="ada",
            sync_id="s1",
            changes=[change("a"), change("b"), change("c"), change("gone", deleted=True)],
            cursor="c1",
        )
        with RecordProgress(state, "ada", seen.append, interval=3600):
            state.mark_indexed(
                sync_id="s1", record_id="a", metadata_hash="h1", content_hash="c", chunk_count=2
            )
            state.mark_errored(sync_id="s1", record_id="b", metadata_hash="h1", reason="bad")

    assert seen[-1] == RecordCounts(done=2, total=3)
    assert seen[-1].describe() == "2 of 3 records indexed or errored"


def test_status_on_a_narrow_terminal_drops_columns_rather_than_cut_headers(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    with _state(home) as state:
        add_sync(state, "s1", "ada")
        state.apply_page(user_id="ada", sync_id="s1", changes=[change("doc")], cursor="c1")

    assert main(["status"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 50
    header = next(line for line in lines if "user" in line and "sync" in line)
    assert header.split() == ["user", "sync", "status", "pending", "indexed", "errored"]
