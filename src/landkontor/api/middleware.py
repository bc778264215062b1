"""Request context middleware (pure ASGI, so streaming responses pass through untouched)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landkontor.logconfig import request_id_var

log = logging.getLogger("landkontor.access")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Gives every request an id (taken from X-Request-ID when sane), sets it on the
    response and on every log line, and logs one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
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
