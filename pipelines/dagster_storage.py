"""Dagster's PostgreSQL storage with its connections kept open in every process.

dagster-postgres holds no connection outside the webserver: every read and write of an event, a
run or a tick opens a new connection (SQLAlchemy's NullPool), which PostgreSQL serves with a new
backend process. A batch run over 50 users stores about 300 events and opened about 730
connections doing so. `PooledPostgresStorage` is the same storage with the pool the webserver
gives itself (`optimize_for_webserver`: one connection held per storage, more while busy, each
overflow connection closed when it is returned), in the daemon, the code server and every run.

Measured side by side (`python -m bench scale --users 100 --postgres ...`, two runs each, loaded
machine): 0.154-0.204 CPU-s per user-change against 0.261-0.268, and 16.8-26.9 s to absorb the
burst against 35.3-38.2 s. The price is about three idle connections per process (webserver,
daemon, code server, each running run): size PostgreSQL's max_connections for them.

Use it in dagster.yaml in place of `storage: postgres:` (deploy/dagster.yaml does):

    storage:
      custom:
        module: pipelines.dagster_storage
        class: PooledPostgresStorage
        config:
          postgres_db: {...}   # as under `storage: postgres:`
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

# Connections a storage may open beyond its one held connection while it is busy (the daemon's
# threads, a run's event writes); they close when returned.
MAX_OVERFLOW = 10
# A held connection older than this is replaced (servers and proxies drop idle ones).
POOL_RECYCLE_SECONDS = 3600
NO_STATEMENT_TIMEOUT = 0  # Dagster's own default outside the webserver


class PooledPostgresStorage(DagsterPostgresStorage):
    """`DagsterPostgresStorage` whose run, event log and schedule storages pool connections."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
    ) -> None:
        super().__init__(
            postgres_url,
            should_autocreate_tables,
            inst_data=inst_data,
            token_provider=token_provider,
        )
        for storage in (self.run_storage, self.event_log_storage, self.schedule_storage):
            storage.optimize_for_webserver(
                statement_timeout=NO_STATEMENT_TIMEOUT,
                pool_recycle=POOL_RECYCLE_SECONDS,
                max_overflow=MAX_OVERFLOW,
            )

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledPostgresStorage:
        return cls(
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            inst_data=inst_data,
            token_provider=get_token_provider_from_config(config_value),
        )
