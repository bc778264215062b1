"""The one middleware of every HTTP request: request id, metrics, access log and the last
line of defence against unexpected errors.

Pure ASGI (streaming responses pass through untouched) and one layer instead of several:
each layer wraps ``send`` once more and looks at every message. What can be done once is
done once: the metric children per label set are kept (``api.metrics.RequestMetrics``),
headers are scanned, not copied into dicts, and the access line is only built when the
access logger is on.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landkontor.api.metrics import PROBLEM_JSON, RequestMetrics
from landkontor.logconfig import request_id_var

log = logging.getLogger("landkontor.access")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = b"x-request-id"
_CONTENT_TYPE = b"content-type"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class RequestMiddleware:
    """Gives every request an id (taken from X-Request-ID when sane), sets it on the
    response and on every log line, counts and times the request (``metrics``), logs one
    access line, and answers an unexpected error with a 500 problem carrying the id."""

    def __init__(self, app: ASGIApp, *, metrics: bool = True) -> None:
        self.app = app
        self.metrics = RequestMetrics() if metrics else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope["headers"], _REQUEST_ID)
        request_id = incoming.decode("latin-1") if incoming else ""
        if not _VALID_ID.match(request_id):
            request_id = uuid.uuid4().hex
        id_header = (_REQUEST_ID, request_id.encode("latin-1"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        metrics = self.metrics
        observation = metrics.start(scope) if metrics is not None else None
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not isinstance(headers, list):
                    headers = message["headers"] = list(headers)
                headers.append(id_header)
                if observation is not None:
                    content_type = _header(headers, _CONTENT_TYPE) or b""
                    observation.response_started(status, content_type.startswith(PROBLEM_JSON))
            elif observation is not None and message["type"] == "http.response.body":
                observation.body(message)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Last line of defence: log with the request id, answer a problem, never a trace.
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if started_response:
                raise
            status = 500
            await _send_internal_error(send_with_id, scope)
        finally:
            if observation is not None:
                observation.finish(status)
            if log.isEnabledFor(logging.INFO):
                state = scope.get("state") or {}
                log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user": state.get("user", "-"),
                    },
                )
            request_id_var.reset(token)


async def _send_internal_error(send: Send, scope: Scope) -> None:
    from landkontor.api.problems import problem_response

    response = problem_response(
        500,
        code="internal-error",
        detail="An unexpected error occurred. It has been logged; quote the request id.",
        instance=scope["path"],
    )
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
