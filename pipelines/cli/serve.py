"""`syncrag serve`: a deployment's long-running processes on one home, started and stopped together.

It starts the webhook receiver, the Dagster daemon (the `sync_webhooks` and `dead_runs` sensors,
the schedules, the run queue) and the Dagster webserver, each as its own process with the same
environment: SYNCRAG_HOME and DAGSTER_HOME made absolute, so that all three, and the runs the
daemon launches, use one state DB, one vector store and one Dagster instance. If one of them
stops, the others are stopped too; Ctrl-C or SIGTERM stops all three.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pipelines.cli import runtime
from pipelines.cli.errors import UserError
from pipelines.servers import port_is_free

CODE_LOCATION = "pipelines.definitions"
RECEIVER_PORT = 8788
UI_PORT = 3000
_STOP_SECONDS = 30.0
_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Service:
    """One process `syncrag serve` runs: its name and command line."""

    name: str
    command: list[str]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the receiver, the Dagster daemon and the Dagster UI on one home",
        description=__doc__,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address the receiver and the UI listen on (default 127.0.0.1; beyond loopback "
        "the receiver needs SYNCRAG_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--webhook-port",
        type=int,
        default=RECEIVER_PORT,
        help=f"port of the webhook receiver (default {RECEIVER_PORT})",
    )
    parser.add_argument(
        "--ui-port", type=int, default=UI_PORT, help=f"port of the Dagster UI (default {UI_PORT})"
    )
    parser.add_argument(
        "--no-ui", action="store_true", help="run the receiver and the daemon only, without the UI"
    )
    parser.add_argument(
        "--print",
        dest="print_only",
        action="store_true",
        help="print the commands and their environment (for systemd, Docker...) and exit",
    )
    parser.set_defaults(handler=run)


def services(args: argparse.Namespace) -> list[Service]:
    """The processes of a deployment, in the order they start."""
    found = [
        Service(
            "webhook receiver",
            [
                sys.executable,
                "-m",
                "pipelines.cli.main",
                "webhooks",
                "serve",
                "--host",
                args.host,
                "--port",
                str(args.webhook_port),
            ],
        ),
        Service("Dagster daemon", [_script("dagster-daemon"), "run", "-m", CODE_LOCATION]),
    ]
    if not args.no_ui:
        found.append(
            Service(
                "Dagster UI",
                [
                    _script("dagster-webserver"),
                    "-m",
                    CODE_LOCATION,
                    "-h",
                    args.host,
                    "-p",
                    str(args.ui_port),
                ],
            )
        )
    return found


def run(args: argparse.Namespace) -> int:
    # The receiver's own rule; imported here, as the receiver's web stack is slow to import and
    # every other command would pay for it.
    from webhooks.cli import is_loopback

    settings = runtime.settings()
    environ = runtime.child_environ()
    planned = services(args)
    if args.print_only:
        if not is_loopback(args.host) and not environ.get("SYNCRAG_WEBHOOK_SECRET"):
            print(
                f"syncrag serve: the webhook receiver will refuse to start on {args.host} "
                "without SYNCRAG_WEBHOOK_SECRET: set it in the receiver's environment.",
                file=sys.stderr,
            )
        for name in ("SYNCRAG_HOME", "DAGSTER_HOME"):
            print(f"{name}={shlex.quote(environ[name])}")
        for service in planned:
            print(f"# {service.name}\n{shlex.join(service.command)}")
        return 0
    ports = [("the webhook receiver", args.webhook_port)]
    if not args.no_ui:
        ports.append(("the Dagster UI", args.ui_port))
    for what, port in ports:
        if not port_is_free(args.host, port):
            raise UserError(f"port {port} on {args.host} is in use; pick another port for {what}.")
    runtime.prepare_dagster_instance()
    print(f"syncrag serve: home {settings.home}, Dagster instance {environ['DAGSTER_HOME']}")
    print(f"  webhooks: http://{args.host}:{args.webhook_port}/webhooks/paragon[/<secret>]")
    if not args.no_ui:
        print(f"  Dagster UI: http://{args.host}:{args.ui_port}")
    sys.stdout.flush()
    return _supervise(planned, environ)


def _supervise(planned: list[Service], environ: dict[str, str]) -> int:
    """Runs the services until one stops or this process is told to stop; then stops the rest."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []
    try:
        for service in planned:
            running.append((service, subprocess.Popen(service.command, env=environ)))
        while True:
            for service, process in running:
                code = process.poll()
                if code is not None:
                    print(
                        f"syncrag serve: the {service.name} stopped (exit {code}); "
                        "stopping the others.",
                        file=sys.stderr,
                    )
                    return code or 1
            time.sleep(_POLL_SECONDS)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_all([process for _, process in running])
        signal.signal(signal.SIGTERM, previous)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + _STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _script(name: str) -> str:
    """A console script of this environment (beside its Python), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise UserError(f"{name} is not installed here; install syncrag with `make setup`.")
    return found
