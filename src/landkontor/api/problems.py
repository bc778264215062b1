"""RFC 9457 problem responses for every error the API returns.

Nothing here ever puts a stack trace or an exception text of an unexpected error into a
response; those are logged server-side with the request id, which the response names.

Database errors are the last line of defence behind the input bounds (common/bounds.py): a
data exception (a value the database cannot store) is the request's fault and a 422; any
other database error is a 500 carrying only the request id. Either way the log names the
error's kind, statement, table and constraint (db/errors.py), never the driver's text or the
statement's parameters, which can hold what the request sent (a password hash, a token).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from landkontor.db.errors import caused_by_input, describe
from landkontor.errors import DomainError
from landkontor.logconfig import request_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# Members of a problem body that an error's extra members may not overwrite.
RESERVED_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "code", "instance", "errors", "request_id"}
)
PROBLEM_BASE = "/problems/"


class FieldProblem(BaseModel):
    """One entry of a problem's ``errors``: which input was wrong and why."""

    model_config = ConfigDict(populate_by_name=True)

    field: str
    in_: str | None = Field(None, alias="in", description="body, query, path, header, form")
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error response of the API has this shape."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable, machine-readable: the last part of the type.")
    instance: str | None = None
    errors: list[FieldProblem] | None = None
    request_id: str = Field(description="Quote it when reporting a problem; it is in the log.")


def document_problems(app: FastAPI) -> None:
    """Declare in the OpenAPI schema what the API answers on errors: a 422 and any other 4xx
    are ``application/problem+json`` :class:`Problem` documents (FastAPI's default documents
    its own validation error body, which this API never sends)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid request", "content": content}
                responses.setdefault("4XX", {"description": "Problem", "content": content})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def problem_response(
    status: int,
    *,
    code: str,
    detail: str,
    title: str | None = None,
    request: Request | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None or instance is not None:
        body["instance"] = instance or request.url.path  # type: ignore[union-attr]
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    body["request_id"] = request_id_var.get()
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> tuple[str, str]:
    """('body', 'lines', 0, 'quantity') -> ('lines[0].quantity', 'body')."""
    where = str(loc[0]) if loc else "body"
    parts: list[str] = []
    for part in loc[1:]:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or where, where


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        field, where = _field_name(tuple(error.get("loc", ())))
        errors.append(
            {
                "field": field,
                "in": where,
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "invalid"),
            }
        )
    return errors


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        request=request,
        errors=exc.errors or None,
        headers=exc.headers or None,
        **{k: v for k, v in exc.extra.items() if k not in RESERVED_MEMBERS},
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(
            400,
            code="malformed-json",
            title="Malformed JSON",
            detail="The request body is not valid JSON.",
            request=request,
            errors=errors,
        )
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem_response(
        422,
        code="validation-error",
        title="Invalid request",
        detail=f"The request has invalid or missing values: {fields}.",
        request=request,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = {404: "not-found", 405: "method-not-allowed"}.get(status, f"http-{status}")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and detail == "Not Found":
        detail = f"There is no resource at {request.url.path}."
    if status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return problem_response(
        status, code=code, detail=detail, request=request, headers=dict(exc.headers or {})
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error: %s", describe(exc))
    return problem_response(
        409,
        code="conflict",
        title="Conflict",
        detail="The change conflicts with existing data (a duplicate or a missing reference).",
        request=request,
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", describe(exc))
    return problem_response(
        503,
        code="database-unavailable",
        detail="The database is not reachable or busy; try again shortly.",
        request=request,
        headers={"Retry-After": "5"},
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    info = describe(exc)
    if caused_by_input(exc):
        log.warning(
            "%s %s: value refused by the database: %s", request.method, request.url.path, info
        )
        return problem_response(
            422,
            code="value-not-storable",
            title="Value cannot be stored",
            detail=(
                "A value of the request (or computed from it) is too large, too long or "
                "holds characters the database cannot store."
            ),
            request=request,
        )
    log.error("%s %s: database error: %s", request.method, request.url.path, info)
    return _internal_error(request)


async def _overflow_error(request: Request, exc: Exception) -> JSONResponse:
    # Date or number arithmetic on values the request brought that left Python's range.
    log.warning("%s %s: value out of range (%s)", request.method, request.url.path, exc)
    return problem_response(
        422,
        code="value-out-of-range",
        title="Value out of range",
        detail="A value of the request (or computed from it) is out of the range supported.",
        request=request,
    )


def _internal_error(request: Request) -> JSONResponse:
    return problem_response(
        500,
        code="internal-error",
        detail="An unexpected error occurred. It has been logged; quote the request id.",
        request=request,
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return _internal_error(request)


def install_problem_handlers(app: FastAPI) -> None:
    document_problems(app)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(OverflowError, _overflow_error)
    app.add_exception_handler(Exception, _unexpected_error)
