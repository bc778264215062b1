"""Chargen: the batch list (item, status, best-before window, supplier, with stock), the
batch with its status history, ledger lines and where it lies now; release and block with
a reason (roles as the API: manager)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.errors import DomainError
from landkontor.inventory import batches, locations, queries
from landkontor.inventory.models import BatchStatus
from landkontor.inventory.schemas import BatchStatusIn
from landkontor.partners import service as partners
from landkontor.web.formatting import BATCH_STATUS
from landkontor.web.forms import FormState, parse_form
from landkontor.web.listing import ListQuery, Pager, list_query
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

STATUS_WRITER = Role.manager  # as the API's batch status route
FILTERS = ("artikel", "status", "mhd_von", "mhd_bis", "lieferant", "bestand")
STATUS_OPTIONS = [("", "alle"), *((s.value, BATCH_STATUS[s.value]) for s in BatchStatus)]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filters(session: Any, query: ListQuery) -> tuple[dict[str, Any], list[str]]:
    """The service filters of the list's query string, and German notes on what was not
    understood (an unknown item or supplier number shows no rows, not every row)."""
    given = query.filters
    notes: list[str] = []
    filters: dict[str, Any] = {
        "batch_no": query.search or None,
        "best_before_from": _day(given["mhd_von"]),
        "best_before_to": _day(given["mhd_bis"]),
        "with_stock": given["bestand"] == "1",
    }
    if given["status"] in BatchStatus.__members__:
        filters["status"] = BatchStatus(given["status"])
    if given["artikel"]:
        item = catalog.item_by_number(session, given["artikel"])
        filters["item_id"] = item.id if item else 0
        if item is None:
            notes.append(f"Artikelnummer {given['artikel']} gibt es nicht.")
    if given["lieferant"]:
        found, _ = partners.list_suppliers(session, PageParams(limit=20), search=given["lieferant"])
        exact = [s for s in found if s.supplier_no.lower() == given["lieferant"].lower()]
        filters["supplier_id"] = exact[0].id if exact else 0
        if not exact:
            notes.append(f"Lieferantennummer {given['lieferant']} gibt es nicht.")
    return filters, notes


@router.get("/chargen")
def batch_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(
        request, sorts=tuple(batches.BATCH_SORTS), default_sort="best_before", filters=FILTERS
    )
    filters, notes = _filters(session, query)
    rows, total = batches.batches_with_stock_levels(
        session, query.params, sort=query.sort, descending=query.descending, **filters
    )
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "query": query,
        "notes": notes,
        "status_options": STATUS_OPTIONS,
    }
    template = "batches/_list.html" if is_htmx(request) else "batches/index.html"
    return render(request, template, context)


def _detail_context(session: Any, request: Request, batch_id: int) -> dict[str, Any]:
    batch = batches.get_batch(session, batch_id)
    query = list_query(request, sorts=("posted_at",), default_sort="posted_at")
    ledger, total = queries.ledger(session, query.params, batch_id=batch.id)
    places, _ = queries.levels(session, PageParams(limit=50), batch_id=batch.id)
    codes = locations.locations_by_id(session, [row[0].location_id for row in ledger])
    return {
        "batch": batch,
        "expired": batches.batch_out(session, batch).expired,
        "supplier": partners.get_supplier(session, batch.supplier_id)
        if batch.supplier_id
        else None,
        "history": batches.status_history(session, batch.id),
        "ledger": ledger,
        "locations": codes,
        "pager": Pager(query, total),
        "places": places,
        "form": FormState(),
    }


@router.get("/chargen/{batch_id}")
def batch_detail(batch_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "batches/detail.html", _detail_context(session, request, batch_id))


@router.post("/chargen/{batch_id}/status")
async def change_status(
    batch_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """Release or block the batch; the reason is recorded with who and when."""
    require_role(user, STATUS_WRITER)
    batches.get_batch(session, batch_id)  # NotFound before reading the form
    data, form = parse_form(BatchStatusIn, await request.form())
    if data is not None:
        try:
            batches.change_status(session, batch_id, data.status, data.reason, actor=user.username)
        except DomainError as error:
            form.fail(error, ("status", "reason"))
        else:
            return redirect(f"/chargen/{batch_id}")
    context = _detail_context(session, request, batch_id)
    context["form"] = form
    return render(request, "batches/detail.html", context, status_code=422)
