"""build_once, which the ONNX export runs under: built once, swapped in whole, one builder at a
time across processes. A builder that writes a small file stands in for the 20 s export."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from resources.embedding.build_once import build_once, lock_path_for

VERSION = "v2"


def read_version(directory: Path) -> str | None:
    """What a reader accepts: a complete directory of the current version."""
    try:
        found = (directory / "version").read_text()
    except FileNotFoundError:
        return None
    return found if found == VERSION and (directory / "payload").is_file() else None


class Builder:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, scratch: Path) -> str:
        self.calls += 1
        assert list(scratch.iterdir()) == []
        (scratch / "payload").write_text("weights")
        if self.fail:
            raise RuntimeError("the exporter crashed")
        (scratch / "version").write_text(VERSION)
        return VERSION


def beside(target: Path) -> list[str]:
    return sorted(path.name for path in target.parent.iterdir())


def test_a_missing_directory_is_built_once_then_found(tmp_path: Path) -> None:
    target = tmp_path / "models" / "export"
    builder = Builder()

    first = build_once(target, current=read_version, build=builder)
    second = build_once(target, current=read_version, build=builder)

    assert first == (VERSION, True)
    assert second == (VERSION, False)
    assert builder.calls == 1
    assert sorted(p.name for p in target.iterdir()) == ["payload", "version"]
    assert beside(target) == [".export.lock", "export"]


def test_a_stale_directory_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "export"
    target.mkdir()
    (target / "version").write_text("v1")
    (target / "leftover-of-v1").write_text("old")

    assert build_once(target, current=read_version, build=Builder()) == (VERSION, True)

    assert sorted(p.name for p in target.iterdir()) == ["payload", "version"]
    assert beside(target) == [".export.lock", "export"]


def test_a_failed_build_leaves_the_old_directory_and_no_scratch(tmp_path: Path) -> None:
    target = tmp_path / "export"
    target.mkdir()
    (target / "version").write_text("v1")

    with pytest.raises(RuntimeError, match="crashed"):
        build_once(target, current=read_version, build=Builder(fail=True))

    assert (target / "version").read_text() == "v1"
    assert beside(target) == [".export.lock", "export"]
    # The lock was released: the next attempt builds.
    assert build_once(target, current=read_version, build=Builder()) == (VERSION, True)


def test_leftovers_of_a_builder_that_died_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "export"
    (tmp_path / ".export.abc123.building").mkdir()
    (tmp_path / ".export.abc123.building" / "model.onnx").write_text("half")
    (tmp_path / ".export.def456.replaced").mkdir()

    build_once(target, current=read_version, build=Builder())

    assert beside(target) == [".export.lock", "export"]


# A process that builds `target` with a builder that says when it starts and then waits for a
# release file: the test holds the first builder inside the lock while a second process arrives.
PROCESS = """
import json, sys, time
from pathlib import Path
from resources.embedding.build_once import build_once

target, events = Path(sys.argv[1]), Path(sys.argv[2])
name = sys.argv[3]

def note(event):
    (events / f"{name}.{event}").touch()

def current(directory):
    try:
        return (directory / "version").read_text()
    except FileNotFoundError:
        return None

def build(scratch):
    note("building")
    while not (events / "release").exists():
        time.sleep(0.01)
    (scratch / "version").write_text(name)
    return name

found, built = build_once(target, current=current, build=build, on_wait=lambda: note("waiting"))
print(json.dumps({"found": found, "built": built}))
"""


def start(target: Path, events: Path, name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PROCESS, str(target), str(events), name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.slow
def test_two_processes_at_once_build_once_and_the_second_finds_the_first_ones(
    tmp_path: Path,
) -> None:
    target, events = tmp_path / "models" / "export", tmp_path / "events"
    events.mkdir()

    first = start(target, events, "first")
    wait_for((events / "first.building").exists, "the first process to start building")
    second = start(target, events, "second")
    wait_for((events / "second.waiting").exists, "the second process to wait on the lock")
    # While the first builds, no reader sees a directory at all, let alone half of one.
    assert not target.exists()
    (events / "release").touch()
    outputs = [process.communicate(timeout=60) for process in (first, second)]

    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    results = [json.loads(stdout) for stdout, _ in outputs]
    assert results == [{"found": "first", "built": True}, {"found": "first", "built": False}]
    assert not (events / "second.building").exists()
    assert (target / "version").read_text() == "first"
    assert lock_path_for(target).exists()
