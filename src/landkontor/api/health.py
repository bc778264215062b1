"""Liveness and readiness probes (no token needed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from landkontor import __version__

router = APIRouter(tags=["health"])

ReadinessCheck = Callable[[], None]


@router.get("/health", summary="The process is alive")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def run_readiness_checks(checks: dict[str, ReadinessCheck]) -> dict[str, object]:
    """Run every readiness check; the body of /ready (``status`` is ready / not ready)."""
    results: dict[str, dict[str, object]] = {}
    healthy = True
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            healthy = False
            results[name] = {"status": "fail", "error": f"{exc.__class__.__name__}: {exc}"[:300]}
        else:
            results[name] = {"status": "ok"}
        results[name]["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    failed = [name for name, result in results.items() if result["status"] == "fail"]
    body: dict[str, Any] = {"status": "ready" if healthy else "not ready", "checks": results}
    if failed:
        body["failed"] = failed
    return body


@router.get("/ready", summary="The API can serve requests: database (and broker) answer")
def ready(request: Request) -> JSONResponse:
    body = run_readiness_checks(request.app.state.readiness_checks)
    return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503)
