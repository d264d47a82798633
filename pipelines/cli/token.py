"""`syncrag token --user U`: prints a Paragon user token, for debugging the Sync API with curl."""

from __future__ import annotations

import argparse
import os

from resources.sync_api import signer_from_env


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("token", help="print a user token for curl")
    parser.add_argument("--user", required=True, help="the Connected User id (JWT sub)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(signer_from_env(os.environ).token_for(args.user))
    return 0
