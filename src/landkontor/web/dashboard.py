"""Übersicht: what needs attention today. Each tile links to its filtered list.

The page itself renders at once; every tile is a partial that htmx loads after the page
(``hx-trigger="load"``), so a slow tile (the service probes) never holds up the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.auth.models import User
from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.common.clock import business_today
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.db.session import settings_of
from landkontor.errors import NotFound
from landkontor.inventory import batches, queries
from landkontor.jobs import registry
from landkontor.jobs import service as jobs
from landkontor.jobs.models import JobStatus
from landkontor.purchasing import orders as purchase_orders
from landkontor.sales import orders as sales_orders
from landkontor.web.forms import IDEMPOTENCY_FIELD, new_form_key
from landkontor.web.pages import WebRoute, WebUser, post_checks, redirect, render, require_role

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

DEMO_JOB = "demo.load"
EXPIRY_DAYS = 14
TILE_ROWS = 5
_FIRST_ROWS = PageParams(limit=TILE_ROWS, offset=0)


def _demo_offered(session: Any, user: User) -> bool:
    """Admins on a database without items get a button that loads the demo data."""
    if not user.role.at_least(Role.admin) or not registry.is_registered(DEMO_JOB):
        return False
    _, items = catalog.list_items(session, PageParams(limit=1))
    return items == 0


@router.get("/")
def dashboard(request: Request, user: WebUser, session: SessionDep) -> Response:
    return render(
        request,
        "dashboard/index.html",
        {
            "tiles": list(TILES),
            "demo": _demo_offered(session, user),
            "form_key": new_form_key(),
            "key_field": IDEMPOTENCY_FIELD,
        },
    )


def _reorder(session: Any, request: Request) -> dict[str, Any]:
    rows, total = queries.items_with_stock(session, _FIRST_ROWS, below_reorder_point=True)
    return {"rows": rows, "total": total}


def _expiring(session: Any, request: Request) -> dict[str, Any]:
    today = business_today(settings_of(session))
    until = today + timedelta(days=EXPIRY_DAYS)
    rows, total = batches.batches_with_stock_levels(
        session, _FIRST_ROWS, best_before_from=today, best_before_to=until, with_stock=True
    )
    return {"rows": rows, "total": total, "since": today, "until": until}


def _unusable(session: Any, request: Request) -> dict[str, Any]:
    return {"counts": queries.batches_with_stock(session)}


def _orders(session: Any, request: Request) -> dict[str, Any]:
    return {
        "sales": sales_orders.count_open_orders(session),
        "purchases": purchase_orders.count_open_orders(session),
    }


def _jobs(session: Any, request: Request) -> dict[str, Any]:
    running, running_total = jobs.list_jobs(session, _FIRST_ROWS, statuses=[JobStatus.running])
    failed, failed_total = jobs.list_jobs(session, _FIRST_ROWS, statuses=[JobStatus.failed])
    return {
        "running": running,
        "running_total": running_total,
        "failed": failed,
        "failed_total": failed_total,
    }


def _health(session: Any, request: Request) -> dict[str, Any]:
    from landkontor.api.health import run_readiness_checks
    from landkontor.ops.control import collect_status

    readiness = run_readiness_checks(request.app.state.readiness_checks)
    supervised = collect_status(request.app.state.settings)
    return {"readiness": readiness, "supervised": supervised}


TILES: dict[str, Callable[[Any, Request], dict[str, Any]]] = {
    "nachbestellen": _reorder,
    "mhd": _expiring,
    "gesperrt": _unusable,
    "auftraege": _orders,
    "jobs": _jobs,
    "dienste": _health,
}


@router.get("/uebersicht/{tile}")
def tile(tile: str, request: Request, _: WebUser, session: SessionDep) -> Response:
    build = TILES.get(tile)
    if build is None:
        raise NotFound(f"no tile {tile}")
    return render(request, f"dashboard/_{tile}.html", build(session, request))


@router.post("/uebersicht/demo")
async def load_demo(request: Request, user: WebUser, session: SessionDep) -> Response:
    """Submit the demo data job (admins; the job itself refuses a database with data)."""
    require_role(user, Role.admin)
    form = await request.form()
    key = form.get(IDEMPOTENCY_FIELD)
    job = jobs.submit(
        session,
        DEMO_JOB,
        {},
        submitter=jobs.Submitter(user.username, user.role),
        idempotency_key=key if isinstance(key, str) and 0 < len(key) <= 200 else None,
    )
    return redirect(f"/jobs/{job.id}")
