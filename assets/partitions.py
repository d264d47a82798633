"""The partitioning of syncrag's assets: one partition per connected user."""

from dagster import DynamicPartitionsDefinition

USERS_PARTITIONS_NAME = "users"

users_partitions = DynamicPartitionsDefinition(name=USERS_PARTITIONS_NAME)
