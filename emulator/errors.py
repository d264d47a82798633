"""Typed errors the emulator's routes turn into Paragon-style JSON answers `{"message": ...}`."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the caller with `status_code` and a message a person can act on."""

    status_code: int = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class BadRequest(ApiError):
    """The request is malformed (bad body, bad cursor, page size out of bounds)."""

    status_code = 400


class Unauthorized(ApiError):
    """Missing or invalid user token; Paragon answers every auth failure the same way."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("Unauthorized")


class NotFound(ApiError):
    """The sync or record does not exist for this user."""

    status_code = 404


class Conflict(ApiError):
    """The sync's status does not allow the operation (e.g. a scan of a DISABLED sync)."""

    status_code = 409
