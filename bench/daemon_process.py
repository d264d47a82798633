"""The `dagster-daemon` process the live benchmarks run: started in a session of its own, so
that stopping it also stops its code server and the run processes it launched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def daemon_environment(
    *,
    dagster_home: Path,
    api_url: str,
    project_id: str,
    private_key: Path,
    state_url: str,
    edge_path: Path,
    embedding_backend: str,
    **settings: str,
) -> dict[str, str]:
    """The daemon's environment: this process's without any SYNCRAG_ or QDRANT_ setting (the
    shell's must not change the stack measured: the default sensor interval, the embedded
    store), then the stack's own, `settings` (SYNCRAG_* names) last, and the model offline."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCRAG_", "QDRANT_"))}
    return {
        **inherited,
        "DAGSTER_HOME": str(dagster_home),
        "SYNCRAG_SYNC_API_URL": api_url,
        "SYNCRAG_PARAGON_PROJECT_ID": project_id,
        "SYNCRAG_SIGNING_KEY_PATH": str(private_key),
        "SYNCRAG_STATE_URL": state_url,
        "SYNCRAG_QDRANT_EDGE_PATH": str(edge_path),
        # The runtime the rest of the bench measures: its probes search that collection.
        "SYNCRAG_EMBEDDING_BACKEND": embedding_backend,
        **settings,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


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
