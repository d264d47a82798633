"""The webhook receiver: verifies, validates and commits Paragon deliveries to the inbox."""

from webhooks.app import KEEP_ALIVE_SECONDS, WEBHOOK_PATH, create_app
from webhooks.body import MAX_BODY_BYTES
from webhooks.dedup import DEDUP_WINDOW_SECONDS, dedup_key
from webhooks.events import InvalidEvent, NotJsonBody, WebhookEvent, parse_event
from webhooks.limits import MAX_EVENT_NAME_CHARS, MAX_USER_ID_CHARS
from webhooks.secret import SECRET_HEADER

__all__ = [
    "DEDUP_WINDOW_SECONDS",
    "KEEP_ALIVE_SECONDS",
    "MAX_BODY_BYTES",
    "MAX_EVENT_NAME_CHARS",
    "MAX_USER_ID_CHARS",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "InvalidEvent",
    "NotJsonBody",
    "WebhookEvent",
    "create_app",
    "dedup_key",
    "parse_event",
]
