"""Preise: Kundengruppen with the defaults their customers inherit, Preislisten with their
quantity breaks and validity, and the Preisprüfung — item, customer and quantity to the net
price with every step of its explanation (``partners.pricing.quote``, as the API's quote),
updated live while the user types. Managers change groups and lists; everyone may look."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response

from landkontor.catalog import service as catalog
from landkontor.catalog.schemas import Price
from landkontor.common.bounds import BusinessDate, ItemNo, PositiveQuantity, Quantity
from landkontor.common.deps import SessionDep
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError
from landkontor.partners import pricing
from landkontor.partners import service as partners
from landkontor.partners.errors import NoPrice
from landkontor.partners.schemas import (
    CustomerGroupCreate,
    CustomerGroupUpdate,
    PriceIn,
    PriceListCreate,
    PriceListUpdate,
    PriceStepOut,
)
from landkontor.web.forms import FormState, german_decimal, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.messages import problem_message
from landkontor.web.pages import WebRoute, WebUser, post_checks, redirect, render, require_role
from landkontor.web.partners import (
    CHOICES,
    PARTNER_WRITER,
    choices,
    fail,
    parse_partner,
    values_of,
)

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

PRICE_WRITER = PARTNER_WRITER  # as the API's price list and group routes: manager
GROUP_FIELDS = (
    "name",
    "parent_id",
    "discount_percent",
    "price_list_id",
    "credit_limit",
    "payment_days",
    "cash_discount_percent",
    "cash_discount_days",
)
LIST_FIELDS = ("name", "valid_from", "valid_to", "active")
PRICE_FIELDS = ("item_no", "min_quantity", "unit_price", "valid_from", "valid_to")
QUANTITY = TypeAdapter(PositiveQuantity)
DAY = TypeAdapter(BusinessDate)


class PriceForm(InputModel):
    """A price (quantity break) as the form sends it: the item by its number."""

    item_no: ItemNo
    unit_price: Price
    min_quantity: Quantity = Decimal(0)
    valid_from: BusinessDate | None = None
    valid_to: BusinessDate | None = None


def _tabs(current: str) -> dict[str, Any]:
    return {"tab": current}


# --- Kundengruppen ---------------------------------------------------------------------------
@router.get("/preise")
def group_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("code",), default_sort="code")
    rows, total = partners.list_groups(session, query.params)
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "parents": partners.groups_by_id(session, (g.parent_id for g in rows)),
        "lists": {p.id: p for p in _price_lists(session)},
        **_tabs("gruppen"),
    }
    return render(request, "prices/groups.html", context)


def _price_lists(session: Any) -> list[Any]:
    rows, _ = pricing.list_price_lists(session, CHOICES)
    return rows


def _group_context(session: Any, form: FormState, group: Any = None) -> dict[str, Any]:
    offered = choices(session)
    parents = [(v, t) for v, t in offered["groups"] if not group or v != str(group.id)]
    return {
        "form": form,
        "group": group,
        "parents": parents,
        "price_lists": offered["price_lists"],
        **_tabs("gruppen"),
    }


@router.get("/preise/gruppen/neu")
def new_group_page(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PRICE_WRITER)
    return render(request, "prices/group_form.html", _group_context(session, FormState()))


@router.post("/preise/gruppen/neu")
async def create_group(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PRICE_WRITER)
    fields = ("code", *GROUP_FIELDS)
    data, form = parse_partner(CustomerGroupCreate, await request.form(), fields, edit=False)
    if data is not None:
        try:
            partners.create_group(session, data)
        except DomainError as error:
            fail(form, error, fields)
        else:
            return redirect("/preise")
    context = _group_context(session, form)
    return render(request, "prices/group_form.html", context, status_code=422)


@router.get("/preise/gruppen/{group_id}/bearbeiten")
def edit_group_page(
    group_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PRICE_WRITER)
    group = partners.get_group(session, group_id)
    form = FormState(values=values_of(group, GROUP_FIELDS))
    return render(request, "prices/group_form.html", _group_context(session, form, group))


@router.post("/preise/gruppen/{group_id}/bearbeiten")
async def update_group(
    group_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PRICE_WRITER)
    partners.get_group(session, group_id)
    data, form = parse_partner(CustomerGroupUpdate, await request.form(), GROUP_FIELDS, edit=True)
    if data is not None:
        try:
            partners.update_group(session, group_id, data)
        except DomainError as error:
            fail(form, error, GROUP_FIELDS)
        else:
            return redirect("/preise")
    session.rollback()
    context = _group_context(session, form, partners.get_group(session, group_id))
    return render(request, "prices/group_form.html", context, status_code=422)


# --- Preislisten -----------------------------------------------------------------------------
@router.get("/preise/listen")
def price_list_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("code",), default_sort="code")
    rows, total = pricing.list_price_lists(session, query.params)
    context = {"rows": rows, "pager": Pager(query, total), **_tabs("listen")}
    return render(request, "prices/lists.html", context)


@router.get("/preise/listen/neu")
def new_price_list_page(request: Request, user: WebUser) -> Response:
    require_role(user, PRICE_WRITER)
    form = FormState(values={"active": "on"})
    return render(request, "prices/list_form.html", {"form": form, **_tabs("listen")})


@router.post("/preise/listen/neu")
async def create_price_list(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PRICE_WRITER)
    fields = ("code", *LIST_FIELDS)
    data, form = parse_form(PriceListCreate, await request.form(), fields=fields)
    if data is not None:
        try:
            price_list = pricing.create_price_list(session, data)
        except DomainError as error:
            form.fail(error, fields)
        else:
            return redirect(f"/preise/listen/{price_list.id}")
    context = {"form": form, **_tabs("listen")}
    return render(request, "prices/list_form.html", context, status_code=422)


def _list_context(session: Any, price_list_id: int, price_form: FormState) -> dict[str, Any]:
    price_list = pricing.get_price_list(session, price_list_id)
    prices = pricing.prices_of(session, price_list.id)
    return {
        "price_list": price_list,
        "prices": prices,
        "items": catalog.items_by_id(session, (p.item_id for p in prices)),
        "price_form": price_form,
        **_tabs("listen"),
    }


@router.get("/preise/listen/{price_list_id}")
def price_list_detail(
    price_list_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    context = _list_context(session, price_list_id, FormState())
    return render(request, "prices/list.html", context)


@router.get("/preise/listen/{price_list_id}/bearbeiten")
def edit_price_list_page(
    price_list_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PRICE_WRITER)
    price_list = pricing.get_price_list(session, price_list_id)
    form = FormState(values=values_of(price_list, LIST_FIELDS))
    context = {"form": form, "price_list": price_list, **_tabs("listen")}
    return render(request, "prices/list_form.html", context)


@router.post("/preise/listen/{price_list_id}/bearbeiten")
async def update_price_list(
    price_list_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PRICE_WRITER)
    pricing.get_price_list(session, price_list_id)
    submitted = await request.form()
    data, form = parse_form(PriceListUpdate, submitted, fields=LIST_FIELDS, empty_as_none=True)
    if data is not None:
        try:
            pricing.update_price_list(session, price_list_id, data)
        except DomainError as error:
            form.fail(error, LIST_FIELDS)
        else:
            return redirect(f"/preise/listen/{price_list_id}")
    session.rollback()
    price_list = pricing.get_price_list(session, price_list_id)
    context = {"form": form, "price_list": price_list, **_tabs("listen")}
    return render(request, "prices/list_form.html", context, status_code=422)


@router.post("/preise/listen/{price_list_id}/preise")
async def add_price(
    price_list_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PRICE_WRITER)
    pricing.get_price_list(session, price_list_id)
    data, form = parse_form(PriceForm, await request.form())
    if data is not None:
        item = catalog.item_by_number(session, data.item_no)
        if item is None:
            form.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
        else:
            price = PriceIn(item_id=item.id, **data.model_dump(exclude={"item_no"}))
            try:
                pricing.add_price(session, price_list_id, price)
            except DomainError as error:
                form.fail(error, PRICE_FIELDS)
                if "item_id" in form.errors:
                    form.errors["item_no"] = form.errors.pop("item_id")
            else:
                return redirect(f"/preise/listen/{price_list_id}#preise")
    context = _list_context(session, price_list_id, form)
    return render(request, "prices/list.html", context, status_code=422)


@router.post("/preise/listen/{price_list_id}/preise/{price_id}/entfernen")
def remove_price(price_list_id: int, price_id: int, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PRICE_WRITER)
    pricing.remove_price(session, price_list_id, price_id)
    return redirect(f"/preise/listen/{price_list_id}#preise")


# --- Preisprüfung ----------------------------------------------------------------------------
_CHECK = ("kunde", "artikel", "menge", "einheit", "datum")


def _quote_context(session: Any, given: Any) -> dict[str, Any]:
    """The quote for the typed customer number, item number, quantity, unit and day, or
    why there is none yet (German, at the field it concerns)."""
    values = {name: given.get(name, "").replace("\x00", "").strip()[:64] for name in _CHECK}
    form = FormState(values=values)
    context: dict[str, Any] = {"form": form, "quote": None, "steps": [], "customer": None}
    customer = partners.customer_by_number(session, values["kunde"]) if values["kunde"] else None
    item = catalog.item_by_number(session, values["artikel"]) if values["artikel"] else None
    if values["kunde"] and customer is None:
        form.errors["kunde"] = "Diesen Kunden gibt es nicht."
    if values["artikel"] and item is None:
        form.errors["artikel"] = "Diese Artikelnummer gibt es nicht."
    quantity = _checked(QUANTITY, german_decimal(values["menge"]), form, "menge")
    on = _checked(DAY, values["datum"], form, "datum") if values["datum"] else None
    if customer is None or item is None or quantity is None or form.errors:
        form.message = form.message or "Kunde, Artikel und Menge eingeben."
        return context
    context.update(customer=customer, item=item)
    try:
        quote = pricing.quote(
            session,
            customer_id=customer.id,
            item_id=item.id,
            quantity=quantity,
            unit=values["einheit"] or None,
            on=on,
        )
    except NoPrice as error:
        form.message = problem_message(error)
        context["steps"] = [PriceStepOut.model_validate(s) for s in error.extra.get("steps", [])]
    except DomainError as error:
        form.fail(error, ())
        where = {"quantity": "menge", "unit": "einheit"}
        for entry in error.errors:
            name = where.get(str(entry.get("field", "")))
            if name:
                form.errors[name], form.message = problem_message(error), None
    else:
        context.update(quote=quote, steps=quote.steps)
    context["group_codes"] = {
        g.id: g.code
        for g in partners.groups_by_id(
            session, (s.customer_group_id for s in context["steps"])
        ).values()
    }
    return context


def _checked(adapter: TypeAdapter, raw: str, form: FormState, name: str) -> Any:
    if not raw:
        return None
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        form.errors[name] = (
            "Bitte eine Menge größer als 0 eingeben."
            if name == "menge"
            else "Bitte ein Datum wählen."
        )
        return None


@router.get("/preise/pruefung")
def price_check(request: Request, _: WebUser, session: SessionDep) -> Response:
    context = _quote_context(session, request.query_params)
    return render(request, "prices/check.html", {**context, "live": False, **_tabs("pruefung")})


@router.get("/preise/pruefung/ergebnis")
def price_check_result(request: Request, _: WebUser, session: SessionDep) -> Response:
    """The live part of the price check (htmx, while the user types)."""
    context = _quote_context(session, request.query_params)
    return render(request, "prices/_quote.html", {**context, "live": True})
