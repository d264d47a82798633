"""Client side of the Paragon Managed Sync API: user tokens, typed errors, models and the client."""

from resources.sync_api.client import CLOUD_BASE_URL, SyncApiClient
from resources.sync_api.errors import (
    ContentTooLarge,
    SigningKeyError,
    SyncApiAuthError,
    SyncApiBadRequest,
    SyncApiConfigError,
    SyncApiError,
    SyncApiNotFound,
    SyncApiProtocolError,
    SyncApiUnavailable,
    body_excerpt,
    format_size,
)
from resources.sync_api.json_fields import parse_timestamp
from resources.sync_api.models import (
    KNOWN_EVENTS,
    AccessCheck,
    AccessCheckResult,
    Content,
    RecordPage,
    Sync,
    SyncedRecord,
    SyncStatus,
    SyncSummary,
    normalize_event_name,
)
from resources.sync_api.retry import RetryPolicy, is_retryable_status, parse_retry_after
from resources.sync_api.settings import signer_from_env
from resources.sync_api.token import UserTokenSigner

__all__ = [
    "CLOUD_BASE_URL",
    "KNOWN_EVENTS",
    "AccessCheck",
    "AccessCheckResult",
    "Content",
    "ContentTooLarge",
    "RecordPage",
    "RetryPolicy",
    "SigningKeyError",
    "Sync",
    "SyncApiAuthError",
    "SyncApiBadRequest",
    "SyncApiClient",
    "SyncApiConfigError",
    "SyncApiError",
    "SyncApiNotFound",
    "SyncApiProtocolError",
    "SyncApiUnavailable",
    "SyncStatus",
    "SyncSummary",
    "SyncedRecord",
    "UserTokenSigner",
    "body_excerpt",
    "format_size",
    "is_retryable_status",
    "normalize_event_name",
    "parse_retry_after",
    "parse_timestamp",
    "signer_from_env",
]
