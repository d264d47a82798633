"""`syncrag emulator serve`: the emulator over a folder, on uvicorn."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from emulator.config import EmulatorConfig, FaultConfig

logger = logging.getLogger("syncrag.emulator")

DEFAULT_STATE_DIR = Path(".syncrag/emulator")
DEFAULT_KEYS_DIR = Path(".syncrag/keys")


def add_serve_arguments(parser: argparse.ArgumentParser, *, home: str = ".syncrag") -> None:
    """Add the options of `syncrag emulator serve` to `parser`; the help names the default
    folders under `home` (`syncrag emulator serve` puts them under $SYNCRAG_HOME)."""
    parser.add_argument(
        "--root", type=Path, required=True, help="folder of <user>/<integration>/<pipeline>/"
    )
    parser.add_argument("--port", type=int, default=8787, help="TCP port (default 8787)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help=f"where sync ids, sequences and cursors persist (default {home}/emulator)",
    )
    parser.add_argument("--public-key", type=Path, help="PEM public key verifying user tokens")
    parser.add_argument(
        "--keys-dir",
        type=Path,
        default=DEFAULT_KEYS_DIR,
        help=f"without --public-key: dev key pair made here if absent (default {home}/keys)",
    )
    parser.add_argument("--project-id", help="Paragon project id expected in the token audience")
    parser.add_argument("--incremental-interval", type=float, default=60.0, help="seconds")
    parser.add_argument("--full-sync-interval", type=float, default=86400.0, help="seconds")
    parser.add_argument("--initial-sync-delay", type=float, default=0.5, help="seconds")
    parser.add_argument("--webhook-url", help="where webhooks are POSTed (none: not sent)")
    parser.add_argument(
        "--webhook-header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="header sent with every webhook (repeatable)",
    )
    parser.add_argument("--fault-429", type=float, default=0.0, help="share of 429 answers")
    parser.add_argument("--fault-5xx", type=float, default=0.0, help="share of 5xx answers")
    parser.add_argument("--fault-latency-ms", type=int, default=0, help="added latency")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault RNGs")
    parser.add_argument(
        "--no-admin", action="store_true", help="do not serve the /_emulator/ admin routes"
    )


def _headers(values: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"--webhook-header must look like 'Name: value'; got {name!r}...")
        headers[name.strip()] = content.strip()
    return headers


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """The EmulatorConfig the parsed options describe (creates the dev key pair if needed)."""
    from emulator.keys import ensure_dev_keypair

    if args.public_key is not None:
        public_key_path = args.public_key
    else:
        _, public_key_path = ensure_dev_keypair(args.keys_dir)
    extra = {"project_id": args.project_id} if args.project_id else {}
    return EmulatorConfig(
        root=args.root,
        public_key_pem=public_key_path.read_text(encoding="utf-8"),
        state_dir=args.state_dir,
        incremental_interval=args.incremental_interval,
        full_sync_interval=args.full_sync_interval,
        initial_sync_delay=args.initial_sync_delay,
        webhook_url=args.webhook_url,
        webhook_headers=_headers(args.webhook_header),
        admin_enabled=not args.no_admin,
        faults=FaultConfig(
            rate_429=args.fault_429,
            rate_5xx=args.fault_5xx,
            latency_ms=args.fault_latency_ms,
            seed=args.seed,
        ),
        **extra,
    )


def serve(args: argparse.Namespace) -> int:
    """Run the emulator until interrupted; returns the process exit code."""
    import uvicorn

    from emulator.app import create_app

    try:
        config = config_from_args(args)
    except (OSError, ValueError) as error:
        logger.error("Cannot start the emulator: %s", error)
        return 2
    if not config.root.is_dir():
        logger.error("Cannot start the emulator: --root %s is not a folder.", config.root)
        return 2
    app = create_app(config)
    logger.info(
        "Sync API emulator on http://%s:%d over %s (state in %s)",
        args.host,
        args.port,
        config.root,
        config.state_dir,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: `python -m emulator.cli --root DIR`."""
    parser = argparse.ArgumentParser(prog="syncrag emulator serve", description=__doc__)
    add_serve_arguments(parser)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
