"""Artikel: the item list (active search, filters, paging, sorting), the item with its stock
per location and batch, its units, and create and edit (roles as the API: manager)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.catalog.models import VatCategory
from landkontor.catalog.schemas import ItemCreate, ItemUpdate, PackUnitIn
from landkontor.common.deps import SessionDep
from landkontor.errors import DomainError
from landkontor.inventory import queries
from landkontor.web.formatting import number
from landkontor.web.forms import FormState, parse_form
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

ITEM_WRITER = Role.manager  # as the API's item routes
SORTS = (*catalog.ITEM_SORTS, queries.ON_HAND_SORT)
FILTERS = ("gruppe", "status", "unter_meldebestand")
VAT_OPTIONS = [
    (VatCategory.standard.value, "19 % (Regelsatz)"),
    (VatCategory.reduced.value, "7 % (ermäßigt)"),
    (VatCategory.zero.value, "0 %"),
]
CREATE_FIELDS = tuple(f for f in ItemCreate.model_fields if f != "pack_units")
EDIT_FIELDS = tuple(ItemUpdate.model_fields)
# What the edit form shows for an item: its current values as the form's text.
_SHOWN = (
    "name",
    "item_group",
    "shelf_life_days",
    "reorder_point",
    "reorder_quantity",
    "base_price",
)


@router.get("/artikel")
def item_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=SORTS, default_sort="item_no", filters=FILTERS)
    active = {"aktiv": True, "inaktiv": False}.get(query.filters["status"])
    filters: dict[str, Any] = {
        "search": query.search or None,
        "group": query.filters["gruppe"] or None,
        "active": active,
        "below_reorder_point": query.filters["unter_meldebestand"] == "1",
        "sort": query.sort,
        "descending": query.descending,
    }
    rows, total = queries.items_with_stock(session, query.params, **filters)
    context = {"rows": rows, "pager": Pager(query, total), "query": query}
    template = "items/_list.html" if is_htmx(request) else "items/index.html"
    return render(request, template, context)


def _form_context(session: Any, form: FormState, **extra: Any) -> dict[str, Any]:
    units = [(u.code, f"{u.code} ({u.name})") for u in catalog.list_units(session)]
    return {"form": form, "units": units, "vat_options": VAT_OPTIONS, **extra}


@router.get("/artikel/neu")
def new_item_page(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, ITEM_WRITER)
    form = FormState(values={"base_unit": "kg", "active": "on", "vat_category": "reduced"})
    return render(request, "items/new.html", _form_context(session, form))


@router.post("/artikel/neu")
async def create_item(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, ITEM_WRITER)
    data, form = parse_form(ItemCreate, await request.form(), fields=CREATE_FIELDS)
    if data is not None:
        try:
            item = catalog.create_item(session, data)
        except DomainError as error:
            form.fail(error, CREATE_FIELDS)
        else:
            return redirect(f"/artikel/{item.id}")
    return render(request, "items/new.html", _form_context(session, form), status_code=422)


@router.post("/artikel/pruefen")
async def check_new_item(request: Request, user: WebUser, session: SessionDep) -> Response:
    """Inline validation while the create form is filled in: the model's rules for every
    field typed so far, and whether the item number is still free."""
    require_role(user, ITEM_WRITER)
    submitted = await request.form()
    _, form = parse_form(ItemCreate, submitted, fields=CREATE_FIELDS)
    typed = {name for name, value in form.values.items() if value.strip()}
    errors = {name: message for name, message in form.errors.items() if name in typed}
    number = form.values.get("item_no", "").strip()
    if number and "item_no" not in errors and catalog.item_by_number(session, number):
        errors["item_no"] = "Diese Artikelnummer gibt es schon."
    return render(request, "items/_checks.html", {"fields": CREATE_FIELDS, "errors": errors})


def _detail_context(
    session: Any, request: Request, item_id: int, pack_form: FormState
) -> dict[str, Any]:
    item = catalog.get_item(session, item_id)
    query = list_query(request, sorts=("location",), default_sort="location")
    levels, total = queries.levels(session, query.params, item_id=item.id)
    return {"item": item, "levels": levels, "pager": Pager(query, total), "pack_form": pack_form}


@router.get("/artikel/{item_id}")
def item_detail(item_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    context = _detail_context(session, request, item_id, FormState())
    return render(request, "items/detail.html", context)


def _edit_values(item: Any) -> dict[str, str]:
    values = {}
    for name in _SHOWN:
        value = getattr(item, name)
        values[name] = (
            "" if value is None else number(value) if isinstance(value, Decimal) else str(value)
        )
    values["vat_category"] = item.vat_category.value
    for flag in ("active", "allow_negative_stock"):
        values[flag] = "on" if getattr(item, flag) else ""
    return values


@router.get("/artikel/{item_id}/bearbeiten")
def edit_item_page(item_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, ITEM_WRITER)
    item = catalog.get_item(session, item_id)
    form = FormState(values=_edit_values(item))
    return render(request, "items/edit.html", _form_context(session, form, item=item))


@router.post("/artikel/{item_id}/bearbeiten")
async def update_item(
    item_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, ITEM_WRITER)
    catalog.get_item(session, item_id)  # NotFound before reading the form
    data, form = parse_form(ItemUpdate, await request.form(), empty_as_none=True)
    if data is not None:
        try:
            catalog.update_item(session, item_id, data)
        except DomainError as error:
            form.fail(error, EDIT_FIELDS)
        else:
            return redirect(f"/artikel/{item_id}")
    item = catalog.get_item(session, item_id)
    return render(
        request, "items/edit.html", _form_context(session, form, item=item), status_code=422
    )


@router.post("/artikel/{item_id}/gebinde")
async def add_pack_unit(
    item_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, ITEM_WRITER)
    data, form = parse_form(PackUnitIn, await request.form())
    if data is not None:
        try:
            catalog.add_pack_unit(session, item_id, data)
        except DomainError as error:
            form.fail(error, ("code", "name", "factor", "pack_units"))
            if "pack_units" in form.errors:
                form.errors["code"] = form.errors.pop("pack_units")
        else:
            return redirect(f"/artikel/{item_id}#gebinde")
    context = _detail_context(session, request, item_id, form)
    return render(request, "items/detail.html", context, status_code=422)
