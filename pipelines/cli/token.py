"""`syncrag token --user U`: prints a Paragon user token, for debugging the Sync API with curl."""

from __future__ import annotations

import argparse

from pipelines.cli import runtime


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("token", help="print a user token for curl")
    parser.add_argument("--user", required=True, help="the Connected User id (JWT sub)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(runtime.signer().token_for(args.user))
    return 0
