"""`syncrag enable`: enables a sync for a user and adds the user's Dagster partition."""

from __future__ import annotations

import argparse
import json

from dagster import DagsterInstance

from ingest.enable import enable_user_sync
from pipelines.cli import runtime
from pipelines.cli.errors import UserError
from pipelines.partitions import USERS_PARTITIONS_NAME


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("enable", help="enable a sync for a user")
    parser.add_argument("--user", required=True, help="the Connected User id")
    parser.add_argument("--integration", required=True, help="e.g. googledrive, hubspot, jira")
    parser.add_argument("--pipeline", default="files", help="files, contacts, tickets, ...")
    parser.add_argument(
        "--configuration-name",
        default=None,
        help="a name that tells apart several syncs of one integration and pipeline "
        "(Paragon's configurationName; default: none)",
    )
    parser.add_argument(
        "--configuration",
        default="{}",
        help='the integration\'s settings as a JSON object, e.g. \'{"folderId": "..."}\' '
        "(default {})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        configuration = json.loads(args.configuration)
    except ValueError:
        configuration = None
    if not isinstance(configuration, dict):
        raise UserError(f"--configuration must be a JSON object, not {args.configuration!r}.")
    if not args.user.strip():
        raise UserError("--user needs a user id, not an empty string.")
    runtime.ensure_dagster_home()
    with runtime.sync_client() as client:
        store = runtime.state_store()
        try:
            sync = enable_user_sync(
                client,
                store,
                user_id=args.user,
                integration=args.integration,
                pipeline=args.pipeline,
                configuration=configuration,
                configuration_name=args.configuration_name,
            )
        finally:
            store.close()
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, [args.user])
    print(f"{sync.id}  {sync.integration}/{sync.pipeline}  {sync.status.value}")
    return 0
