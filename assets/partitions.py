"""The partitioning of syncrag's assets: one partition per connected user."""

import warnings

from dagster import AssetCheckSpec, DynamicPartitionsDefinition, PreviewWarning

USERS_PARTITIONS_NAME = "users"

users_partitions = DynamicPartitionsDefinition(name=USERS_PARTITIONS_NAME)


def user_check(name: str, *, asset: str, description: str) -> AssetCheckSpec:
    """An asset check with one result per user partition.

    Partitioned checks are a preview feature of this Dagster version: its warning is silenced
    here, once, rather than printed by every command that loads the code location. The
    dagster pins in constraints.txt are tested together, so a change in it shows in the tests.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return AssetCheckSpec(
            name, asset=asset, description=description, partitions_def=users_partitions
        )
