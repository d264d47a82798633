"""Evaluating the `sync_webhooks` sensor as the daemon does: `evaluate_tick` on a context with the
code location and a Dagster instance that can be referenced, so that Dagster's own checks run
(a run request for a partition that neither exists nor is added in the same tick fails); and
the emulated Sync API the sensor asks about new users (`EmulatedSyncApi`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from dagster import (
    AddDynamicPartitionsRequest,
    DagsterInstance,
    InitResourceContext,
    RepositoryDefinition,
    RunRequest,
    build_sensor_context,
)

from emulator import EmulatorConfig, create_app
from pipelines.partitions import USERS_PARTITIONS_NAME
from pipelines.sensors import SENSOR_NAME
from resources.sync_api import RetryPolicy, SyncApiClient, UserTokenSigner
from resources.sync_api_resource import SyncApiResource
from tests.contract.transports import SharedTransport, SyncASGITransport
from tests.test_sync_api_support import rsa_key_pair


@dataclass(frozen=True)
class Tick:
    """What one evaluated tick asks of the daemon."""

    requests: list[RunRequest]
    added: list[str]  # user partitions to add
    cursor: str | None
    skip_message: str | None

    @property
    def by_user(self) -> dict[str, RunRequest]:
        """The run requests by partition key; one per user."""
        by_user = {str(r.partition_key): r for r in self.requests}
        assert len(by_user) == len(self.requests), "one request per user"
        return by_user


def evaluate_sensor_tick(
    instance: DagsterInstance,
    repository: RepositoryDefinition,
    resources: Mapping[str, Any],
    cursor: str | None,
) -> Tick:
    """One tick of the sensor in `repository`; its partitions are then added, as by the daemon.

    The instance must be a persistent one (`instance_for_test`): Dagster checks a tick's
    partition keys through the instance's ref, which an ephemeral instance has not.
    """
    with build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        repository_def=repository,
        cursor=cursor,
        resources=resources,
    ) as context:
        data = repository.get_sensor_def(SENSOR_NAME).evaluate_tick(context)
    added: list[str] = []
    for request in data.dynamic_partitions_requests or []:
        assert isinstance(request, AddDynamicPartitionsRequest)
        assert request.partitions_def_name == USERS_PARTITIONS_NAME
        keys = list(request.partition_keys or [])
        instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, keys)
        added.extend(keys)
    return Tick(
        requests=list(data.run_requests or []),
        added=added,
        cursor=data.cursor,
        skip_message=data.skip_message,
    )


def with_user_partitions(instance: DagsterInstance, users: list[str]) -> DagsterInstance:
    """The instance with exactly `users` as user partitions (a module shares one instance)."""
    for user in instance.get_dynamic_partitions(USERS_PARTITIONS_NAME):
        instance.delete_dynamic_partition(USERS_PARTITIONS_NAME, user)
    instance.add_dynamic_partitions(USERS_PARTITIONS_NAME, users)
    return instance


EMULATOR_URL = "http://emulator.test"
INTEGRATION = "googledrive"


class SyncApiSpy(httpx.BaseTransport):
    """In front of the emulator: notes whom each list-syncs call asks about, and answers a
    chosen status instead of the emulator for chosen users."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.asked: list[str] = []
        self.failures: dict[str, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        user = str(jwt.decode(token, options={"verify_signature": False})["sub"])
        if (request.method, request.url.path) == ("GET", "/api/syncs"):
            self.asked.append(user)
        status = self.failures.get(user)
        if status is not None:
            return httpx.Response(status, json={"message": "injected by the test"})
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass  # the fixture closes the emulator's transport


class EmulatedSyncApi:
    """The emulator app over an empty corpus, and the resource the sensor reaches it through."""

    def __init__(self, root: Path) -> None:
        self._private_pem, public_pem = rsa_key_pair()
        self.root = root
        self.config = EmulatorConfig(root=root, public_key_pem=public_pem)
        self._transport = SyncASGITransport(create_app(self.config, background=False))
        self.spy = SyncApiSpy(self._transport)

    def close(self) -> None:
        self._transport.close()

    def give_sync(self, user: str) -> None:
        """Enable a files sync for the user, as the user's app would."""
        (self.root / user / INTEGRATION / "files").mkdir(parents=True, exist_ok=True)
        with SyncApiClient(
            EMULATOR_URL, self._signer(), transport=SharedTransport(self._transport)
        ) as client:
            client.enable_sync(user, INTEGRATION, "files")

    def _signer(self) -> UserTokenSigner:
        return UserTokenSigner(self._private_pem, self.config.project_id)

    def resource(self) -> SyncApiResource:
        """The real resource class, its client sent through the spy to the emulator."""
        spy = self.spy

        class EmulatorSyncApiResource(SyncApiResource):
            def setup_for_execution(self, context: InitResourceContext) -> None:
                signer = UserTokenSigner(self.signing_key or "", self.project_id)
                # One attempt: a 503 is an outage at once, without sleeping through retries.
                self._client = SyncApiClient(
                    self.base_url, signer, transport=spy, retry=RetryPolicy(max_attempts=1)
                )

        return EmulatorSyncApiResource(
            base_url=EMULATOR_URL,
            project_id=self.config.project_id,
            signing_key=self._private_pem,
            max_attempts=1,
        )
