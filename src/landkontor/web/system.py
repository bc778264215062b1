"""System (manager and up): every service with state, pid, uptime and restarts (the
supervisor's state through ``ops.control.collect_status``), the doctor's checks
(``ops.doctor.run_doctor``, read-only), the system test started with a button and its steps
shown while they run (``ops.systemtest_runs``), and links to Flower and the API docs.

The services and the doctor probe other processes, so both load after the page (htmx),
like the Übersicht's tiles.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.ops.control import collect_status
from landkontor.ops.doctor import run_doctor
from landkontor.ops.probes import flower_url
from landkontor.ops.systemtest_runs import read_run, start_run
from landkontor.web.pages import WebRoute, WebUser, post_checks, redirect, render, require_role
from landkontor.web.session import session_token

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

OPERATOR = Role.manager


def _settings(request: Request) -> Any:
    return request.app.state.settings


def _moment(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


@router.get("/system")
def system_page(request: Request, user: WebUser) -> Response:
    require_role(user, OPERATOR)
    return render(
        request,
        "system/index.html",
        {"flower": flower_url(_settings(request)), "run": _run_context(request)},
    )


@router.get("/system/dienste")
def services(request: Request, user: WebUser) -> Response:
    require_role(user, OPERATOR)
    return render(request, "system/_services.html", collect_status(_settings(request)))


@router.get("/system/doktor")
def doctor(request: Request, user: WebUser) -> Response:
    require_role(user, OPERATOR)
    return render(request, "system/_doctor.html", {"checks": run_doctor(_settings(request))})


def _run_context(request: Request) -> dict[str, Any] | None:
    run = read_run(_settings(request))
    if run is None:
        return None
    return {
        **run,
        "started": _moment(run.get("started_at")),
        "finished": _moment(run.get("finished_at")),
    }


@router.get("/system/systemtest")
def systemtest_state(request: Request, user: WebUser) -> Response:
    require_role(user, OPERATOR)
    return render(request, "system/_systemtest.html", {"run": _run_context(request)})


@router.post("/system/systemtest")
def run_systemtest(request: Request, user: WebUser) -> Response:
    """Start the system test against this very server, as the logged-in user."""
    require_role(user, OPERATOR)
    token = session_token(request) or ""
    start_run(
        _settings(request),
        api_url=str(request.base_url).rstrip("/"),
        username=user.username,
        token=token,
    )
    return redirect("/system#systemtest")
