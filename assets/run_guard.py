"""What every ingest step does around its work: one step per user at a time, and a run that
names the process it runs in, so that a run whose process died can be told apart from a live one.

Why not a Dagster pool: a pool slot is freed when Dagster marks the run finished, and nothing
marks a run finished whose process was SIGKILLed or OOM-killed; the next run then waited forever.
The user lock (resources/state/user_locks.py) is released by the kernel or the database with its
holder, and `pipelines/dead_runs.py` marks runs whose recorded process is gone as failed.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster import AssetExecutionContext, OpExecutionContext

from resources.state import LockHolder, StateStore

HOST_TAG = "syncrag/host"
# The run's process as "pid=<pid> start=<ticks> boot=<id>": its start time (clock ticks since
# boot) and the boot's id make a pid reused by another process, or on a rebooted host, not pass
# for the run's own. One tag beside the host: the UI lists every tag of every run.
PROCESS_TAG = "syncrag/process"


@dataclass(frozen=True)
class ProcessIdentity:
    """A process on this host, told apart from a later one given the same pid."""

    pid: int
    start: str = ""
    boot: str = ""

    def tag(self) -> str:
        return f"pid={self.pid} start={self.start} boot={self.boot}"

    @classmethod
    def parse(cls, text: str | None) -> ProcessIdentity | None:
        """The identity a PROCESS_TAG holds, or None if it holds none."""
        fields: dict[str, str] = {}
        for part in (text or "").split():
            name, _, value = part.partition("=")
            fields[name] = value
        pid = fields.get("pid", "")
        if not pid.isdigit():
            return None
        return cls(int(pid), fields.get("start", ""), fields.get("boot", ""))

    @classmethod
    def this_process(cls) -> ProcessIdentity:
        pid = os.getpid()
        return cls(pid, _process_start(pid) or "", _boot_id() or "")


# Runs this process has tagged with its identity (a run runs in one process).
_TAGGED_RUNS: set[str] = set()

_log = logging.getLogger("syncrag.ingest")

# An asset's step (one user) or a batch run's op (many users, one after another).
StepContext = AssetExecutionContext | OpExecutionContext


@contextmanager
def one_ingest_per_user(context: StepContext, store: StateStore, user_id: str) -> Iterator[None]:
    """Tags the run with its process, then holds the user's ingest lock for the block, saying
    who holds it while it waits."""
    run_id = context.run.run_id
    # Once per run in this process: a batch run's steps for 25 users need not write 50 times.
    if run_id not in _TAGGED_RUNS:
        context.instance.add_run_tags(run_id, process_tags())
        _TAGGED_RUNS.add(run_id)

    def report(holder: LockHolder | None, waited: float) -> None:
        who = holder.describe() if holder else "another ingest"
        message = (
            f"waiting for {user_id}'s ingest lock, held by {who}; waited {waited:.0f} s so far"
        )
        # In the run's event log (the UI), and as a Python warning: `syncrag ingest` keeps
        # Dagster's console quiet (a failed step is two stack traces there) but shows syncrag's
        # warnings, and a person waiting must see whom for.
        context.log.warning(message)
        _log.warning(message)

    with store.user_lock(user_id, holder=f"run {run_id}", on_wait=report):
        yield


def process_tags() -> dict[str, str]:
    """Tags that identify this process on this host."""
    return {HOST_TAG: socket.gethostname(), PROCESS_TAG: ProcessIdentity.this_process().tag()}


def process_is_gone(tags: Mapping[str, str]) -> bool:
    """True when the tags name a process on this host that no longer runs.

    False when it runs, or when this host cannot tell (another host, tags missing).
    """
    identity = ProcessIdentity.parse(tags.get(PROCESS_TAG))
    if tags.get(HOST_TAG) != socket.gethostname() or identity is None:
        return False
    if _process_start(os.getpid()) is None:
        return False  # no /proc here: no way to tell a dead process from a live one
    if identity.boot and _boot_id() not in (None, identity.boot):
        return True
    started = _process_start(identity.pid)
    if started is None:
        return True
    return bool(identity.start) and identity.start != started


def _process_start(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Fields after the command name (which may hold spaces): state is the first, start the 20th.
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None  # a zombie is dead: only its parent has not collected it yet
    return fields[19]


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None
