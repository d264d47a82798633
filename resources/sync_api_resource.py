"""The Dagster resource that hands assets a configured Sync API client for the length of a run."""

import dagster as dg
from pydantic import Field, PrivateAttr

from resources.sync_api import (
    RetryPolicy,
    SyncApiClient,
    SyncApiConfigError,
    UserTokenSigner,
)


class SyncApiResource(dg.ConfigurableResource):
    """Paragon's Managed Sync API (or the local emulator) as a client signed with the project key.

    The signing key is loaded when the run starts, so a missing or bad key fails the run at
    start-up with one sentence naming the setting to fix.
    """

    base_url: str = Field(
        default="http://127.0.0.1:8787",
        description=(
            "Base URL of the Sync API: https://sync.useparagon.com on Paragon cloud, "
            "https://ms-sync.<host> on-prem, or the local emulator's address."
        ),
    )
    project_id: str = Field(
        description="Paragon project id; the user token's aud claim is '<aud_host>/<project_id>'.",
    )
    aud_host: str = Field(
        default="useparagon.com",
        description="Paragon instance hostname used in the aud claim (on-prem: your host).",
    )
    signing_key: str | None = Field(
        default=None,
        repr=False,
        description=(
            "PEM text of the project's RSA signing key (Paragon > Settings > SDK Setup). "
            "Secret: bind it from an environment variable. Takes precedence over signing_key_path."
        ),
    )
    signing_key_path: str | None = Field(
        default=None,
        description="Path of a PEM file holding the signing key, used when signing_key is unset.",
    )
    token_lifetime_seconds: int = Field(
        default=3600,
        description="Lifetime of each user token; tokens are reused until shortly before expiry.",
    )
    timeout_seconds: float = Field(
        default=30.0,
        description="Timeout of each HTTP request to the Sync API, in seconds.",
    )
    max_attempts: int = Field(
        default=5,
        description=(
            "Attempts per request when the API is unreachable or answers 429/502/503/504, "
            "with jittered exponential backoff between them."
        ),
    )

    _client: SyncApiClient | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        signer = UserTokenSigner.from_settings(
            self.signing_key,
            self.signing_key_path,
            project_id=self.project_id,
            aud_host=self.aud_host,
            lifetime_seconds=self.token_lifetime_seconds,
        )
        self._client = SyncApiClient(
            self.base_url,
            signer,
            timeout=self.timeout_seconds,
            retry=RetryPolicy(max_attempts=self.max_attempts),
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get_client(self) -> SyncApiClient:
        """The run's client; open from resource setup until teardown."""
        if self._client is None:
            raise SyncApiConfigError(
                "The Sync API resource has not been set up: use it from inside a Dagster run "
                "(or build_resources) so that setup_for_execution runs first."
            )
        return self._client
