"""The `dagster-daemon` process the live benchmarks run: started in a session of its own, so
that stopping it also stops its code server and the run processes it launched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def start_daemon(repo_root: Path, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`dagster-daemon run` on the repo's workspace, its output written to `log` (anew)."""
    daemon = Path(sys.executable).with_name("dagster-daemon")
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(daemon), "run", "-w", str(repo_root / "workspace.yaml")],
            cwd=repo_root,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_daemon(daemon: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the daemon's session, SIGKILL if it is still there 30 s later."""
    if daemon is None or daemon.poll() is not None:
        return
    os.killpg(daemon.pid, signal.SIGTERM)
    try:
        daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=30)
