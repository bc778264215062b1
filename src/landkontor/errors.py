"""Domain errors. Domain code raises these; the API maps them to RFC 9457 problem responses.

Each error has an HTTP status, a stable ``code`` (the last part of the problem type URI),
a human-readable ``detail``, optionally the ``field`` it concerns and extra members.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FieldError(dict[str, Any]):
    """One entry of a problem's ``errors`` list: ``{"field": ..., "message": ..., "type": ...}``."""

    def __init__(self, field: str, message: str, type_: str = "invalid") -> None:
        super().__init__(field=field, message=message, type=type_)


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list[FieldError] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        if field is not None and not self.errors:
            self.errors.append(FieldError(field, detail, self.code))
        self.extra = extra
        self.headers: dict[str, str] = {}


class InvalidInput(DomainError):
    """The request is well-formed but a value breaks a rule (422)."""

    status = 422
    code = "invalid-input"
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    """The request contradicts the current state (409): stock, status, uniqueness."""

    status = 409
    code = "conflict"
    title = "Conflict"


class AlreadyExists(Conflict):
    code = "already-exists"
    title = "Already exists"


class InvalidState(Conflict):
    code = "invalid-state"
    title = "Not allowed in the current state"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Not authenticated"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["WWW-Authenticate"] = "Bearer"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.headers["Retry-After"] = str(retry_after)


class ServiceUnavailable(DomainError):
    status = 503
    code = "service-unavailable"
    title = "Service unavailable"


def not_found(kind: str, key: object) -> NotFound:
    """A uniform 'no such thing' error: ``not_found("item", 42)``."""
    return NotFound(f"{kind} {key} does not exist", kind=kind, key=str(key))
