"""Parses `syncrag <command>` and dispatches; each command lives in its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pipelines.settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syncrag",
        description="Keep a per-user vector index in step with Paragon Managed Sync.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from pipelines.cli import demo, enable, ingest, query, status, token

    demo.register(commands)
    enable.register(commands)
    ingest.register(commands)
    query.register(commands)
    status.register(commands)
    token.register(commands)
    _register_emulator(commands)
    _register_webhooks(commands)
    return parser


def _register_emulator(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from emulator.cli import add_serve_arguments, serve

    emulator = commands.add_parser("emulator", help="the local Sync API emulator")
    actions = emulator.add_subparsers(dest="emulator_command", required=True, metavar="ACTION")
    serve_parser = actions.add_parser("serve", help="serve the Sync API over a folder")
    add_serve_arguments(serve_parser)
    serve_parser.set_defaults(handler=serve)


def _register_webhooks(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from webhooks.cli import add_serve_arguments, serve

    webhooks = commands.add_parser("webhooks", help="the webhook receiver")
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    serve_parser = actions.add_parser("serve", help="receive Paragon webhooks into the inbox")
    add_serve_arguments(serve_parser)
    serve_parser.set_defaults(handler=serve)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except SettingsError as exc:
        print(f"syncrag: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
