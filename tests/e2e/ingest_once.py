"""Materializes one user's partition with the SYNCRAG_* settings of the environment, in a process of
its own: the process the crash-safety test kills. Usage: python -m tests.e2e.ingest_once USER"""

from __future__ import annotations

import os
import sys

from dagster import DagsterInstance, materialize

from assets import synced_records, vector_index
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.resources import build_resources
from pipelines.settings import Settings

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def main(argv: list[str]) -> int:
    [user] = argv
    resources = build_resources(Settings.from_env(os.environ))
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, [user])
        result = materialize(
            [synced_records, vector_index],
            partition_key=user,
            resources=resources,
            instance=instance,
            run_config=QUIET,
            raise_on_error=False,
        )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
