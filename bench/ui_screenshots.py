"""Screenshots of the Dagster UI as a user first sees it: `syncrag demo --ui` on a temp home, then
headless Chromium on the asset page, its partitions, its checks and a run.

`python -m bench.ui_screenshots [--out DIR] [--chromium PATH] [--settle 20]` writes one PNG per
page to DIR (default: a temp folder) and prints their paths. It needs a Chromium on the machine
(Debian: `apt-get install chromium`); it is a check for a person to look at, not a test, and no
part of CI. The demo uses ports 8788 (webhook receiver), a free one for the emulator and one for
the UI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

WINDOW = "1440,1000"
# The UI is a single-page app: Chromium waits this long (virtual time) for it to render.
RENDER_BUDGET_MS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout: float, demo: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise SystemExit(f"syncrag demo exited with {demo.returncode} before the UI was up")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise SystemExit(f"the UI did not answer at {url} within {timeout:.0f} s")


def _graphql(base: str, query: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _latest_run_id(base: str) -> str | None:
    answer = _graphql(base, "{ runsOrError(limit: 1) { ... on Runs { results { runId } } } }")
    try:
        return answer["data"]["runsOrError"]["results"][0]["runId"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def _screenshot(chromium: str, url: str, path: Path) -> None:
    subprocess.run(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={WINDOW}",
            f"--virtual-time-budget={RENDER_BUDGET_MS}",
            f"--screenshot={path}",
            url,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="folder of the PNGs (default: a temp folder)")
    parser.add_argument("--chromium", help="Chromium binary (default: found on PATH)")
    parser.add_argument(
        "--settle", type=float, default=20.0, help="seconds for the sensors' first runs"
    )
    args = parser.parse_args(argv)
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("No Chromium found: install it (Debian: apt-get install chromium) or pass --chromium")
        return 2
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="syncrag-ui-"))
    out.mkdir(parents=True, exist_ok=True)

    home = Path(tempfile.mkdtemp(prefix="syncrag-ui-home-"))
    ui_port = _free_port()
    environ = {
        **os.environ,
        "SYNCRAG_HOME": str(home),
        "SYNCRAG_SYNC_API_URL": f"http://127.0.0.1:{_free_port()}",
    }
    environ.pop("DAGSTER_HOME", None)  # the demo's instance lives under the temp home
    syncrag = str(Path(sys.executable).with_name("syncrag"))
    demo = subprocess.Popen(
        [syncrag, "demo", "--ui", "--ui-port", str(ui_port)],
        env=environ,
        cwd=home,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # so that stopping it stops the UI it starts too
    )
    base = f"http://127.0.0.1:{ui_port}"
    try:
        _wait_for(f"{base}/server_info", timeout=600, demo=demo)
        # The UI greets a new local instance with a community dialog over every page.
        _graphql(base, "mutation { setNuxSeen }")
        time.sleep(args.settle)
        pages = {
            "asset": f"{base}/assets/vector_index",
            "asset_partitions": f"{base}/assets/vector_index?view=partitions",
            "partition_alice": f"{base}/assets/vector_index?view=partitions&partition=alice",
            "checks": f"{base}/assets/synced_records?view=checks",
            "runs": f"{base}/runs",
        }
        run_id = _latest_run_id(base)
        if run_id:
            pages["run"] = f"{base}/runs/{run_id}"
        for name, url in pages.items():
            path = out / f"{name}.png"
            _screenshot(chromium, url, path)
            print(f"{path}  ({path.stat().st_size // 1024} KB)  {url}")
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
