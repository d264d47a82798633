"""Parses `syncrag <command>` and dispatches; each command lives in its own module."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from dagster import BetaWarning

from pipelines.cli.errors import UserError
from pipelines.settings import SettingsError
from resources.embedding import EmbeddingConfigError, EmbeddingModelError
from resources.state import StateStoreError
from resources.sync_api import SyncApiError
from resources.vectors import VectorStoreError


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line that says where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="syncrag",
        description="Keep a per-user vector index in step with Paragon Managed Sync.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="print the version"
    )
    # Sub-commands are _Parsers too: argparse makes them of the parent's class.
    commands: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(  # pyright: ignore[reportAssignmentType]
        dest="command", required=True, metavar="COMMAND"
    )

    from pipelines.cli import demo, enable, explain, ingest, query, serve, status, token

    for module in (demo, enable, explain, ingest, query, serve, status, token):
        module.register(commands)
        # `syncrag <command> --help` opens with what the command's module says it does.
        command = commands.choices[module.__name__.rsplit(".", 1)[-1]]
        if command.description is None:
            command.description = module.__doc__
    _register_emulator(commands)
    _register_webhooks(commands)
    return parser


def _version() -> str:
    try:
        return version("syncrag")
    except PackageNotFoundError:
        return "(not installed)"


def _register_emulator(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from emulator.cli import add_serve_arguments, serve

    emulator = commands.add_parser(
        "emulator",
        help="the local Sync API emulator",
        description="The local Sync API: Paragon's endpoints, auth and webhooks over a folder of "
        "files <user>/<integration>/<pipeline>/..., for trying syncrag without Paragon.",
    )
    actions = emulator.add_subparsers(dest="emulator_command", required=True, metavar="ACTION")
    serve_parser = actions.add_parser(
        "serve",
        help="serve the Sync API over a folder",
        description="Serve the Sync API emulator over a folder until interrupted.",
    )
    add_serve_arguments(serve_parser, home="$SYNCRAG_HOME")
    # Unset, the state and keys folders are the ones under SYNCRAG_HOME.
    serve_parser.set_defaults(state_dir=None, keys_dir=None)

    def serve_in_home(args: argparse.Namespace) -> int:
        from pipelines.cli import runtime

        home = runtime.settings().home
        args.state_dir = args.state_dir or home / "emulator"
        args.keys_dir = args.keys_dir or home / "keys"
        return serve(args)

    serve_parser.set_defaults(handler=serve_in_home)


def _register_webhooks(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from webhooks.cli import add_serve_arguments, serve

    webhooks = commands.add_parser(
        "webhooks",
        help="the webhook receiver",
        description="The receiver of Paragon's Managed Sync webhooks: it stores each delivery "
        "in the state DB's inbox, which the sync_webhooks sensor reads.",
    )
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    serve_parser = actions.add_parser(
        "serve",
        help="receive Paragon webhooks into the inbox",
        description="Receive Paragon webhooks into the inbox of the state DB (SYNCRAG_STATE_URL) "
        "until interrupted; beyond loopback it needs SYNCRAG_WEBHOOK_SECRET.",
    )
    add_serve_arguments(serve_parser)

    def serve_in_home(args: argparse.Namespace) -> int:
        from pipelines.cli import runtime

        # The receiver reads the environment itself: hand it the state DB the settings chose.
        environ = {**os.environ, "SYNCRAG_STATE_URL": runtime.settings().state_url}
        return serve(args, environ)

    serve_parser.set_defaults(handler=serve_in_home)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.verbose:
        # Dagster warns about its own beta parameters as it copies definitions: nothing a user of
        # the CLI can act on (-v shows them).
        warnings.filterwarnings("ignore", category=BetaWarning)
        # The Qdrant client warns in a thread of its own when the server does not answer; the
        # command then says so in its one line.
        warnings.filterwarnings("ignore", "Failed to obtain server version", UserWarning)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except (SettingsError, EmbeddingConfigError) as exc:
        return _fail(str(exc), 2)
    except UserError as exc:
        return _fail(str(exc), exc.exit_code, exc.details)
    except (
        SyncApiError,
        StateStoreError,
        VectorStoreError,
        EmbeddingModelError,
    ) as exc:
        # Errors a person fixes in the settings, the Paragon dashboard or a server that is down
        # (the Sync API client's errors all say which): never a traceback.
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return 130


def _fail(sentence: str, code: int, details: Sequence[str] = ()) -> int:
    print(f"syncrag: {' '.join(sentence.split())}", file=sys.stderr)
    for detail in details:
        print(f"  {detail}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
