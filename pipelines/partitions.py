"""The users partitions, defined beside the assets they partition; re-exported for the code
location's jobs, sensors, schedules and CLI."""

from assets.partitions import USERS_PARTITIONS_NAME, users_partitions

__all__ = ["USERS_PARTITIONS_NAME", "users_partitions"]
