"""Validates the body of a Paragon Managed Sync webhook (SPEC.md section 4) into a WebhookEvent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resources.sync_api import KNOWN_EVENTS, normalize_event_name
from webhooks.limits import event_name_problem, nul_problem, user_id_problem

__all__ = ["InvalidEvent", "NotJsonBody", "WebhookEvent", "parse_event"]

_SYNC_COMPLETE = "sync_complete"
_SYNC_ERRORED = "sync_errored"
_RECORD_CHANGES = frozenset({"record_created", "record_updated", "record_deleted"})
_RECORD_ERRORED = "record_errored"


class InvalidEvent(ValueError):
    """The body is not a webhook syncrag can store; `reason` is one line saying what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotJsonBody(InvalidEvent):
    """The body is not a JSON document at all (as opposed to JSON of the wrong shape)."""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One validated delivery.

    `event_type` is the canonical name (`sync_completed` and `recordCreated` arrive as
    `sync_complete` and `record_created`); `known` is False for event types this version of
    syncrag does not act on, which are stored as ignored. `payload` is the envelope as sent.
    """

    event_type: str
    known: bool
    user_id: str
    sync_id: str | None
    integration: str | None
    credential_id: str | None
    record_id: str | None
    payload: Mapping[str, Any]

    @property
    def details(self) -> Mapping[str, Any] | None:
        """The event's `data` object, or its `error` object for the *_errored events."""
        for name in ("data", "error"):
            value = self.payload.get(name)
            if isinstance(value, Mapping):
                return value
        return None


def parse_event(body: bytes) -> WebhookEvent:
    """The event a webhook body carries; InvalidEvent (NotJsonBody if not JSON) otherwise."""
    envelope = _load_object(body)
    raw_name = envelope.get("event")
    if not isinstance(raw_name, str) or not raw_name.strip():
        raise InvalidEvent("event must be a non-empty string naming the webhook event")
    _refuse(event_name_problem(raw_name))
    event_type = normalize_event_name(raw_name)
    user = envelope.get("user")
    user_id = user.get("id") if isinstance(user, Mapping) else None
    if not _is_identifier(user_id):
        raise InvalidEvent("user.id must be a non-empty string (the Connected User's id)")
    assert isinstance(user_id, str)
    _refuse(user_id_problem(user_id))

    if event_type not in KNOWN_EVENTS:
        # Accepted (and stored as ignored) so that Paragon never disables the webhook URL over
        # an event type added after this version of syncrag.
        sync_id = envelope.get("syncInstanceId")
        return WebhookEvent(
            event_type=event_type,
            known=False,
            user_id=user_id,
            sync_id=sync_id if _is_identifier(sync_id) else None,
            integration=_optional_str(envelope.get("sync")),
            credential_id=_optional_str(envelope.get("credentialId")),
            record_id=None,
            payload=envelope,
        )

    checker = _Checker(event_type, envelope)
    sync_id = checker.identifier("syncInstanceId", "the sync's id")
    integration = checker.identifier("sync", "the integration name")
    credential_id = envelope.get("credentialId")
    if credential_id is not None and not isinstance(credential_id, str):
        raise InvalidEvent(f"{event_type} needs credentialId to be a string when present")
    record_id = _check_details(checker)
    return WebhookEvent(
        event_type=event_type,
        known=True,
        user_id=user_id,
        sync_id=sync_id,
        integration=integration,
        credential_id=credential_id,
        record_id=record_id,
        payload=envelope,
    )


def _load_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise NotJsonBody(
            f"body is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    except UnicodeDecodeError:
        raise NotJsonBody("body is not UTF-8 encoded JSON") from None
    except RecursionError:
        raise InvalidEvent("body nests JSON too deeply to be a webhook envelope") from None
    except ValueError as error:  # NaN / Infinity, from _reject_constant
        raise NotJsonBody(str(error)) from None
    if not isinstance(document, dict):
        raise InvalidEvent(f"body must be a JSON object, not a JSON {_json_type(document)}")
    # The inbox stores the envelope as this text, in UTF-8.
    stored = json.dumps(document, ensure_ascii=False)
    try:
        # An unpaired surrogate escape such as "\ud800" parses but cannot be encoded, and
        # would fail the write instead.
        stored.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEvent("body contains an unpaired UTF-16 surrogate escape") from None
    # json.dumps writes a NUL as \u0000, so only a body whose text shows that is walked (a
    # literal backslash before "u0000" shows it too; the walk then finds no NUL).
    if "\\u0000" in stored:
        _refuse(nul_problem(document))
    return document


def _refuse(problem: str | None) -> None:
    if problem is not None:
        raise InvalidEvent(problem)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"body contains {name}, which is not a JSON number")


def _check_details(checker: _Checker) -> str | None:
    """Validates the event's data/error object; the record id it names, if any."""
    event_type = checker.event_type
    if event_type == _SYNC_COMPLETE:
        # Paragon's sample app types this object in snake_case; the webhooks page in camelCase.
        data = checker.section("data")
        checker.string(data, "data", "model")
        checker.string(data, "data", "syncedAt", alias="synced_at")
        checker.count(data, "data", "numRecords", alias="num_records")
        return None
    if event_type == _SYNC_ERRORED:
        checker.string(checker.section("error"), "error", "message")
        return None
    if event_type in _RECORD_CHANGES:
        data = checker.section("data")
        checker.string(data, "data", "model")
        return checker.record_id(data, "data")
    assert event_type == _RECORD_ERRORED
    error = checker.section("error")
    checker.string(error, "error", "message")
    checker.string(error, "error", "model")
    return checker.record_id(error, "error")


class _Checker:
    """Field checks of one known event, raising InvalidEvent with the event's name in front."""

    def __init__(self, event_type: str, envelope: Mapping[str, Any]) -> None:
        self.event_type = event_type
        self._envelope = envelope

    def identifier(self, name: str, what: str) -> str:
        value = self._envelope.get(name)
        if not _is_identifier(value):
            raise InvalidEvent(f"{self.event_type} needs {name} ({what}) as a non-empty string")
        assert isinstance(value, str)
        return value

    def section(self, name: str) -> Mapping[str, Any]:
        value = self._envelope.get(name)
        if not isinstance(value, Mapping):
            raise InvalidEvent(f"{self.event_type} needs a {name} object")
        return value

    def string(
        self, section: Mapping[str, Any], where: str, name: str, *, alias: str | None = None
    ) -> str:
        value = _field(section, name, alias)
        if not isinstance(value, str):
            raise InvalidEvent(f"{self.event_type} needs {_spelled(where, name, alias)} (a string)")
        return value

    def count(
        self, section: Mapping[str, Any], where: str, name: str, *, alias: str | None = None
    ) -> int:
        value = _field(section, name, alias)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidEvent(
                f"{self.event_type} needs {_spelled(where, name, alias)} (a whole number >= 0)"
            )
        return value

    def record_id(self, section: Mapping[str, Any], where: str) -> str:
        value = section.get("recordId")
        if not _is_identifier(value):
            raise InvalidEvent(f"{self.event_type} needs {where}.recordId (a non-empty string)")
        assert isinstance(value, str)
        return value


def _field(section: Mapping[str, Any], name: str, alias: str | None) -> Any:
    value = section.get(name)
    if value is None and alias is not None:
        value = section.get(alias)
    return value


def _spelled(where: str, name: str, alias: str | None) -> str:
    return f"{where}.{name}" + (f" or {where}.{alias}" if alias else "")


def _is_identifier(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"
