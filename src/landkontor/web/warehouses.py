"""Lager: the warehouses and each one's storage-location tree (expand and collapse, the
children loaded when a node opens), capacity used, block and unblock (manager, as the API).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.common.deps import SessionDep
from landkontor.inventory import locations
from landkontor.inventory.models import Location
from landkontor.web.listing import Pager, list_query
from landkontor.web.pages import (
    WebRoute,
    WebUser,
    is_htmx,
    post_checks,
    redirect,
    render,
    require_role,
)

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

LOCATION_WRITER = Role.manager  # as the API's location routes


def _nodes(session: Any, rows: list[Location]) -> list[dict[str, Any]]:
    """Tree nodes with their number of children and the stock in use (two queries)."""
    children = locations.child_counts(session, [row.id for row in rows])
    used = locations.stock_in_subtrees(session, [row for row in rows if row.capacity])
    return [node(row, children.get(row.id, 0), used.get(row.id)) for row in rows]


def node(location: Location, children: int, used: Any) -> dict[str, Any]:
    share = None
    if location.capacity and used is not None:
        share = min(100, max(0, int(used * 100 / location.capacity)))
    return {
        "location": location,
        "children": children,
        "used": used,
        "share": share,
    }


@router.get("/lager")
def warehouse_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    warehouses = locations.list_warehouses(session)
    return render(request, "warehouses/index.html", {"warehouses": warehouses})


@router.get("/lager/{warehouse_id}")
def warehouse_tree(
    warehouse_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    warehouse = locations.get_warehouse(session, warehouse_id)
    query = list_query(request, sorts=("path",), default_sort="path")
    roots, total = locations.list_locations(
        session, query.params, warehouse_id=warehouse.id, top_level=True
    )
    return render(
        request,
        "warehouses/tree.html",
        {"warehouse": warehouse, "nodes": _nodes(session, roots), "pager": Pager(query, total)},
    )


@router.get("/lager/plaetze/{location_id}/unterplaetze")
def children(location_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    """The children of a node, loaded when it is opened (at most one page of them)."""
    parent = locations.get_location(session, location_id)
    query = list_query(request, sorts=("path",), default_sort="path")
    rows, total = locations.list_locations(session, query.params, parent_id=parent.id)
    return render(
        request,
        "warehouses/_children.html",
        {"nodes": _nodes(session, rows), "total": total, "shown": len(rows), "parent": parent},
    )


@router.post("/lager/plaetze/{location_id}/sperre")
async def set_blocked(
    location_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """Block (``gesperrt=1``) or unblock (``gesperrt=0``) a location."""
    require_role(user, LOCATION_WRITER)
    form = await request.form()
    location = locations.set_location_blocked(session, location_id, form.get("gesperrt") == "1")
    if not is_htmx(request):
        return redirect(f"/lager/{location.warehouse_id}")
    [fresh] = _nodes(session, [location])
    return render(request, "warehouses/_node.html", {"n": fresh})
