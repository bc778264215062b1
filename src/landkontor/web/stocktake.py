"""Inventur: open a stocktake for locations, enter the counts by keyboard in location order,
see the differences, post them (manager, as the API) or cancel. While a stocktake is open its
locations are locked for every other posting; the pages say so wherever a location is shown.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.common.bounds import ID_MAX, Id, ItemNo, Quantity
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError
from landkontor.inventory import batches, locations, stocktake
from landkontor.inventory.models import StocktakeStatus
from landkontor.inventory.schemas import BatchNo, CountIn, CountsIn, StocktakeCreate
from landkontor.web.forms import FormState, german_decimal, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.messages import input_message, problem_message
from landkontor.web.pages import WebRoute, WebUser, post_checks, redirect, render, require_role

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

POSTER = Role.manager  # as the API's post and cancel routes
MAX_ID = ID_MAX
MAX_LOCATIONS = 500  # locations offered on the opening form (one warehouse)
STATUS = {"open": "offen", "posted": "gebucht", "cancelled": "abgebrochen"}
CountedQuantity = TypeAdapter(Quantity)
_COUNT_FIELD = re.compile(r"^counts\[(\d+)\]")


@router.get("/inventur")
def stocktake_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("id",), default_sort="id", filters=("status",))
    status = query.filters["status"]
    rows, total = stocktake.list_stocktakes(
        session,
        query.params,
        status=StocktakeStatus(status) if status in StocktakeStatus.__members__ else None,
    )
    return render(
        request,
        "stocktake/index.html",
        {
            "rows": rows,
            "pager": Pager(query, total),
            "query": query,
            "status_names": STATUS,
            "warehouses": locations.list_warehouses(session),
        },
    )


def _opening_context(session: Any, warehouse_id: int, form: FormState) -> dict[str, Any]:
    warehouse = locations.get_warehouse(session, warehouse_id)
    places, total = locations.list_locations(
        session, PageParams(limit=MAX_LOCATIONS), warehouse_id=warehouse.id
    )
    return {
        "warehouse": warehouse,
        "places": places,
        "more": total > len(places),
        "counting": stocktake.locations_under_count(session, [p.id for p in places]),
        "form": form,
        "chosen": set(form.values.get("location_ids", [])),
    }


@router.get("/inventur/neu")
def new_stocktake(request: Request, user: WebUser, session: SessionDep) -> Response:
    raw = request.query_params.get("lager", "")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        return redirect("/inventur")
    return render(request, "stocktake/new.html", _opening_context(session, int(raw), FormState()))


@router.post("/inventur/neu")
async def open_stocktake(request: Request, user: WebUser, session: SessionDep) -> Response:
    submitted = await request.form()
    warehouse_raw = str(submitted.get("warehouse_id", ""))
    if not warehouse_raw.isdigit() or not 0 < int(warehouse_raw) <= MAX_ID:
        return redirect("/inventur")
    chosen = [str(v) for v in submitted.getlist("location_ids")]
    note = str(submitted.get("note", ""))
    form = FormState(values={"note": note, "location_ids": chosen})  # type: ignore[dict-item]
    ids = [int(v) for v in chosen if v.isdigit() and 0 < int(v) <= MAX_ID]
    if not ids:
        form.errors["location_ids"] = "Bitte mindestens einen Lagerplatz wählen."
    elif "\x00" in note or len(note) > 2000:
        form.errors["note"] = input_message("string_too_long", {"max_length": 2000})
    else:
        try:
            opened = stocktake.open_stocktake(
                session,
                StocktakeCreate(location_ids=ids[:5000], note=note),
                actor=user.username,
            )
        except DomainError as error:
            form.errors["location_ids"] = problem_message(error)
            if error.code == "already-exists":
                form.errors["location_ids"] = (
                    "Ein gewählter Lagerplatz wird schon in einer offenen Inventur gezählt."
                )
        else:
            return redirect(f"/inventur/{opened.id}")
    context = _opening_context(session, int(warehouse_raw), form)
    return render(request, "stocktake/new.html", context, status_code=422)


def _sheet_context(session: Any, stocktake_id: int, form: FormState) -> dict[str, Any]:
    count = stocktake.get_stocktake(session, stocktake_id)
    sheet = stocktake.count_sheet(session, count.id)
    return {
        "stocktake": count,
        "sheet": sheet,
        "places": stocktake.counted_locations(session, count.id),
        "warehouse": locations.get_warehouse(session, count.warehouse_id),
        "status_names": STATUS,
        "form": form,
        "uncounted": sum(1 for row in sheet if row[0].counted_quantity is None),
        "extra": FormState(),
    }


@router.get("/inventur/{stocktake_id}")
def stocktake_sheet(
    stocktake_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    return render(
        request, "stocktake/detail.html", _sheet_context(session, stocktake_id, FormState())
    )


@router.post("/inventur/{stocktake_id}/zaehlung")
async def record_counts(
    stocktake_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """Save every count typed on the sheet (empty fields stay uncounted)."""
    submitted = await request.form()
    lines = {row[0].id: row[0] for row in stocktake.count_sheet(session, stocktake_id)}
    form = FormState()
    counts: list[CountIn] = []
    order: list[int] = []
    for line_id, line in lines.items():
        raw = submitted.get(f"count-{line_id}")
        if not isinstance(raw, str) or not raw.strip():
            continue
        name = f"count-{line_id}"
        form.values[name] = raw
        try:
            quantity = CountedQuantity.validate_python(german_decimal(raw))
        except ValidationError as exc:
            error = exc.errors()[0]
            form.errors[name] = input_message(error["type"], error.get("ctx"))
            continue
        counts.append(
            CountIn(
                item_id=line.item_id,
                location_id=line.location_id,
                batch_id=line.batch_id,
                counted_quantity=quantity,
            )
        )
        order.append(line_id)
    if not form.errors and counts:
        try:
            stocktake.record_counts(
                session, stocktake_id, CountsIn(counts=counts), actor=user.username
            )
        except DomainError as error:
            _place_count_error(form, error, order)
        else:
            return redirect(f"/inventur/{stocktake_id}#zaehlung")
    elif not counts and not form.errors:
        form.message = "Keine Zählung eingegeben."
    context = _sheet_context(session, stocktake_id, form)
    return render(request, "stocktake/detail.html", context, status_code=422)


def _place_count_error(form: FormState, error: DomainError, order: list[int]) -> None:
    for entry in error.errors:
        found = _COUNT_FIELD.match(str(entry.get("field", "")))
        if found and int(found.group(1)) < len(order):
            form.errors[f"count-{order[int(found.group(1))]}"] = problem_message(error)
    if not form.errors:
        form.message = problem_message(error)


class ExtraCount(InputModel):
    """A count of stock nobody expected (not on the sheet), as the form sends it."""

    item_no: ItemNo
    location_id: Id
    batch_no: BatchNo | None = None
    counted_quantity: Quantity


EXTRA_FIELDS = tuple(ExtraCount.model_fields)
_EXTRA_SERVICE_FIELDS = {
    "item_id": "item_no",
    "location_id": "location_id",
    "batch_id": "batch_no",
    "counted_quantity": "counted_quantity",
}


@router.post("/inventur/{stocktake_id}/position")
async def record_extra_count(
    stocktake_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """Count stock found where the sheet expected none (a new line of the stocktake)."""
    stocktake.get_stocktake(session, stocktake_id)  # NotFound before reading the form
    data, extra = parse_form(ExtraCount, await request.form())
    if data is not None:
        item = catalog.item_by_number(session, data.item_no)
        batch = (
            batches.find_batch(session, item.id, data.batch_no) if item and data.batch_no else None
        )
        if item is None:
            extra.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
        elif data.batch_no and batch is None:
            extra.errors["batch_no"] = "Diese Charge gibt es für den Artikel nicht."
        else:
            count = CountIn(
                item_id=item.id,
                location_id=data.location_id,
                batch_id=batch.id if batch else None,
                counted_quantity=data.counted_quantity,
            )
            try:
                stocktake.record_counts(
                    session, stocktake_id, CountsIn(counts=[count]), actor=user.username
                )
            except DomainError as error:
                for entry in error.errors:
                    field = str(entry.get("field", "")).rsplit(".", 1)[-1]
                    if field in _EXTRA_SERVICE_FIELDS:
                        extra.errors[_EXTRA_SERVICE_FIELDS[field]] = problem_message(error)
                if not extra.errors:
                    extra.message = problem_message(error)
            else:
                return redirect(f"/inventur/{stocktake_id}#zaehlung")
    context = _sheet_context(session, stocktake_id, FormState())
    context["extra"] = extra
    return render(request, "stocktake/detail.html", context, status_code=422)


@router.post("/inventur/{stocktake_id}/buchen")
async def post_stocktake(
    stocktake_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, POSTER)
    form = FormState()
    try:
        stocktake.post_stocktake(session, stocktake_id, actor=user.username)
    except DomainError as error:
        form.message = problem_message(error)
        if error.code == "invalid-input":
            form.message = "Noch nicht alle Positionen sind gezählt (0 für nicht mehr Vorhandenes)."
    else:
        return redirect(f"/inventur/{stocktake_id}")
    context = _sheet_context(session, stocktake_id, form)
    return render(request, "stocktake/detail.html", context, status_code=422)


@router.post("/inventur/{stocktake_id}/abbrechen")
async def cancel_stocktake(
    stocktake_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, POSTER)
    stocktake.cancel_stocktake(session, stocktake_id)
    return redirect(f"/inventur/{stocktake_id}")
