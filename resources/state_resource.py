"""Dagster resource for the state DB (ledger, cursors, webhook inbox)."""

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from resources.state import StateStore


class StateResource(ConfigurableResource):
    """The state DB: SQLite (WAL) by default, PostgreSQL through the same code."""

    url: str = Field(
        default="sqlite:///.syncrag/state.db",
        description="SQLAlchemy URL of the state DB (SYNCRAG_STATE_URL).",
    )
    _store: StateStore | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._store = StateStore.open(self.url)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def get_store(self) -> StateStore:
        if self._store is None:
            self._store = StateStore.open(self.url)
        return self._store
