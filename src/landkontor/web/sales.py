"""Verkauf: the order list, order entry built for speed, confirmation, and the delivery with
its FEFO proposal.

Order entry: a new order names the customer (number or name, suggested as typed) and the
warehouse, and becomes a draft; on the draft's page lines are added one after the other
(item by number or name, quantity, unit) while the price and its explanation update as the
user types (``partners.pricing.resolve_price`` through the order's own pricing: the
quote the order line will get) with a warning when the order would break the customer's
credit limit (``sales.credit.credit_check``, the rule confirming applies). The draft lives
on the server; the browser keeps nothing.

Delivery: the page shows, per open order line, all stock of the item in the order's
warehouse with the FEFO proposal filled in (``sales.deliveries.delivery_proposal``); the
user may change every quantity (less for a partial delivery, another batch), and the
delivery service checks everything again — a recalled or blocked batch is refused with
its reason at its row and nothing is booked. The form carries an idempotency key.

Invoices, credit notes and payments are in ``web/invoices.py``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.catalog.schemas import UnitRef
from landkontor.common.bounds import ID_MAX, BusinessDate, Id, ItemNo, PositiveQuantity
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.common.schemas import InputModel
from landkontor.documents.api import file_response
from landkontor.documents.service import delivery_note_file
from landkontor.errors import DomainError, InvalidInput, InvalidState
from landkontor.inventory import locations
from landkontor.inventory.batches import get_batch
from landkontor.inventory.errors import BatchNotUsable
from landkontor.inventory.locations import get_location
from landkontor.inventory.schemas import ReverseIn
from landkontor.partners import service as partners
from landkontor.partners.pricing import resolve_price
from landkontor.sales import credit, deliveries, invoicing, orders
from landkontor.sales.models import DeliveryStatus, SalesOrderStatus
from landkontor.sales.schemas import (
    CustomerReference,
    DeliveryCreate,
    InvoiceCreate,
    SalesOrderCreate,
    SalesOrderLineIn,
)
from landkontor.web.formatting import ORDER_STATUS, UNUSABLE_REASON
from landkontor.web.forms import (
    IDEMPOTENCY_FIELD,
    FormState,
    german_decimal,
    new_form_key,
    parse_form,
    positive_decimal,
)
from landkontor.web.listing import Pager, list_query
from landkontor.web.messages import input_message, problem_message
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

DELIVERY_CANCELLER = Role.manager  # as the API's cancel route
SUGGESTIONS = 10
STATUS_FILTERS: dict[str, tuple[SalesOrderStatus, ...]] = {
    "offen": orders.OPEN_STATUSES,
    **{status.value: (status,) for status in SalesOrderStatus},
}
STATUS_OPTIONS = [("", "alle"), ("offen", "offen"), *ORDER_STATUS.items()]
DELIVERED_QUANTITY = TypeAdapter(PositiveQuantity)
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]")


class NewOrderForm(InputModel):
    """The head of a new order as the form sends it: the customer by number."""

    customer_no: ItemNo
    warehouse_id: Id
    requested_date: BusinessDate | None = None
    customer_reference: CustomerReference = ""


class OrderLineForm(InputModel):
    """A line typed into a draft: the item by number, the quantity in a unit."""

    item_no: ItemNo
    quantity: PositiveQuantity
    unit: UnitRef | None = None


NEW_FIELDS = tuple(NewOrderForm.model_fields)
LINE_FIELDS = tuple(OrderLineForm.model_fields)


# --- the order list -------------------------------------------------------------------------
@router.get("/verkauf")
def order_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(
        request, sorts=orders.ORDER_SORTS, default_sort="order_no", filters=("status",)
    )
    if "dir" not in request.query_params:
        query = replace(query, descending=True)  # newest first
    rows, total = orders.order_overview(
        session,
        query.params,
        statuses=STATUS_FILTERS.get(query.filters["status"]),
        search=query.search or None,
        sort=query.sort,
        descending=query.descending,
    )
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "query": query,
        "status_options": STATUS_OPTIONS,
    }
    template = "sales/_orders.html" if is_htmx(request) else "sales/index.html"
    return render(request, template, context)


# --- suggestions while typing ---------------------------------------------------------------
@router.get("/verkauf/kunden")
def customer_options(request: Request, _: WebUser, session: SessionDep) -> Response:
    """Active search: customers whose number or name contains what is typed (options)."""
    text = request.query_params.get("customer_no", "").replace("\x00", "").strip()[:100]
    rows, _total = partners.list_customers(session, PageParams(limit=SUGGESTIONS), search=text)
    return render(request, "sales/_customer_options.html", {"customers": rows})


@router.get("/verkauf/kunde")
def customer_panel(request: Request, _: WebUser, session: SessionDep) -> Response:
    """The chosen customer with blocked flag and credit status (shown beside the form)."""
    text = request.query_params.get("customer_no", "").replace("\x00", "").strip()[:64]
    customer = partners.customer_by_number(session, text) if text else None
    status = credit.credit_status(session, customer) if customer else None
    return render(
        request, "sales/_customer.html", {"customer": customer, "status": status, "typed": text}
    )


@router.get("/verkauf/artikel")
def item_options(request: Request, _: WebUser, session: SessionDep) -> Response:
    """Active search: active items whose number or name contains what is typed (options)."""
    text = request.query_params.get("item_no", "").replace("\x00", "").strip()[:100]
    rows, _total = catalog.list_items(
        session, PageParams(limit=SUGGESTIONS), search=text or None, active=True
    )
    return render(request, "sales/_item_options.html", {"items": rows})


# --- a new order ----------------------------------------------------------------------------
def _new_context(session: Any, form: FormState) -> dict[str, Any]:
    warehouses = [(str(w.id), f"{w.code} {w.name}") for w in locations.list_warehouses(session)]
    return {"form": form, "warehouses": warehouses}


@router.get("/verkauf/auftraege/neu")
def new_order_page(request: Request, _: WebUser, session: SessionDep) -> Response:
    form = FormState(values={"customer_no": request.query_params.get("kunde", "")[:64]})
    return render(request, "sales/new.html", _new_context(session, form))


@router.post("/verkauf/auftraege/neu")
async def create_order(request: Request, user: WebUser, session: SessionDep) -> Response:
    data, form = parse_form(NewOrderForm, await request.form())
    if data is not None:
        customer = partners.customer_by_number(session, data.customer_no)
        if customer is None:
            form.errors["customer_no"] = "Diese Kundennummer gibt es nicht."
        else:
            body = SalesOrderCreate(
                customer_id=customer.id,
                warehouse_id=data.warehouse_id,
                requested_date=data.requested_date,
                customer_reference=data.customer_reference,
            )
            try:
                order = orders.create_order(session, body, actor=user.username)
            except DomainError as error:
                form.fail(error, NEW_FIELDS)
                if "customer_id" in {e.get("field") for e in error.errors} or not form.errors:
                    form.errors.setdefault("customer_no", problem_message(error))
                    form.message = None
            else:
                return redirect(f"/verkauf/auftraege/{order.id}")
    return render(request, "sales/new.html", _new_context(session, form), status_code=422)


# --- one order ------------------------------------------------------------------------------
def _order_context(session: Any, order_id: Id, **extra: Any) -> dict[str, Any]:
    order = orders.get_order(session, order_id)
    out = orders.order_out(session, order)
    customer = partners.get_customer(session, order.customer_id)
    items = {line.item_id: catalog.get_item(session, line.item_id) for line in order.lines}
    page = PageParams(limit=200)
    order_deliveries, _ = deliveries.list_deliveries(session, page, sales_order_id=order.id)
    documents, _ = invoicing.list_invoices(session, page, sales_order_id=order.id)
    check = credit.credit_check(session, customer, order)
    return {
        "order": out,
        "customer": customer,
        "warehouse": locations.get_warehouse(session, order.warehouse_id),
        "items": items,
        "deliveries": order_deliveries,
        "invoices": documents,
        "uninvoiced": [
            d for d in order_deliveries if d.status == DeliveryStatus.posted and not d.invoice_id
        ],
        "check": check,
        "line_form": FormState(),
        "message": None,
        **extra,
    }


@router.get("/verkauf/auftraege/{order_id}")
def order_detail(order_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "sales/order.html", _order_context(session, order_id))


@router.get("/verkauf/auftraege/{order_id}/preis")
def live_quote(order_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    """The price the typed line would get, with each step, and the credit warning (htmx)."""
    order = orders.get_order(session, order_id)
    given = request.query_params
    item_no = given.get("item_no", "").replace("\x00", "").strip()[:64]
    raw = given.get("quantity", "").strip()[:40]
    unit = given.get("unit", "").replace("\x00", "").strip()[:20] or None
    context: dict[str, Any] = {"quote": None, "note": "", "warning": None, "unit": unit}
    item = catalog.item_by_number(session, item_no) if item_no else None
    quantity = positive_decimal(raw)
    if item is None or quantity is None:
        context["note"] = (
            "Diese Artikelnummer gibt es nicht."
            if item_no and item is None
            else "Artikel und Menge eingeben, dann erscheint der Preis."
        )
        return render(request, "sales/_quote.html", context)
    customer = partners.get_customer(session, order.customer_id)
    try:
        base = catalog.to_base_quantity(session, item, quantity, unit)
        quote = resolve_price(session, customer, item, base.quantity, order.order_date)
    except DomainError as error:
        context["note"] = problem_message(error)
        return render(request, "sales/_quote.html", context)
    line = credit.priced_totals(session, [(item.vat_category, base.quantity, quote.net_unit_price)])
    check = credit.credit_check(session, customer, order)
    if check is not None and line.gross > check.left:
        context["warning"] = {"check": check, "line_gross": line.gross}
    context.update(quote=quote, item=item, quantity=quantity, line=line)
    return render(request, "sales/_quote.html", context)


@router.post("/verkauf/auftraege/{order_id}/positionen")
async def add_line(order_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    orders.get_order(session, order_id)  # NotFound before reading the form
    data, form = parse_form(OrderLineForm, await request.form())
    if data is not None:
        item = catalog.item_by_number(session, data.item_no)
        if item is None:
            form.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
        else:
            body = SalesOrderLineIn(item_id=item.id, quantity=data.quantity, unit=data.unit)
            try:
                orders.add_line(session, order_id, body)
            except DomainError as error:
                _line_error(form, error)
            else:
                return redirect(f"/verkauf/auftraege/{order_id}#neue-position")
    context = _order_context(session, order_id, line_form=form)
    return render(request, "sales/order.html", context, status_code=422)


def _line_error(form: FormState, error: DomainError) -> None:
    """A service error of a new line at its field: the item (no price, inactive), the
    quantity or the unit; anything else above the form."""
    names = {"item_id": "item_no", "quantity": "quantity", "unit": "unit"}
    message = problem_message(error)
    for entry in error.errors:
        name = names.get(str(entry.get("field", "")).rsplit(".", 1)[-1])
        if name:
            form.errors[name] = message
    if not form.errors:
        form.message = message


@router.post("/verkauf/auftraege/{order_id}/positionen/{line_id}/entfernen")
def remove_line(order_id: Id, line_id: Id, _: WebUser, session: SessionDep) -> Response:
    try:
        orders.remove_line(session, order_id, line_id)
    except DomainError as error:
        if error.status != 404:
            raise
    return redirect(f"/verkauf/auftraege/{order_id}#neue-position")  # gone already: fine


def _order_action(session: Any, request: Request, order_id: Id, action: Any) -> Response:
    """Run ``action``; a refusal shows on the order's page (a second click: done already)."""
    try:
        action()
    except DomainError as error:
        if isinstance(error, InvalidState) and _already_done(session, order_id, request):
            return redirect(f"/verkauf/auftraege/{order_id}")
        context = _order_context(session, order_id, message=problem_message(error))
        return render(request, "sales/order.html", context, status_code=error.status)
    return redirect(f"/verkauf/auftraege/{order_id}")


_DONE = {
    "bestaetigen": (SalesOrderStatus.draft,),
    "stornieren": (SalesOrderStatus.cancelled,),
    "abschliessen": (SalesOrderStatus.closed,),
}


def _already_done(session: Any, order_id: Id, request: Request) -> bool:
    step = request.url.path.rsplit("/", 1)[-1]
    status = orders.get_order(session, order_id).status
    if step == "bestaetigen":
        return status not in _DONE[step]
    return status in _DONE.get(step, ())


@router.post("/verkauf/auftraege/{order_id}/bestaetigen")
def confirm(order_id: Id, request: Request, user: WebUser, session: SessionDep) -> Response:
    return _order_action(
        session,
        request,
        order_id,
        lambda: orders.confirm_order(session, order_id, actor=user.username),
    )


@router.post("/verkauf/auftraege/{order_id}/stornieren")
def cancel(order_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    return _order_action(session, request, order_id, lambda: orders.cancel_order(session, order_id))


@router.post("/verkauf/auftraege/{order_id}/abschliessen")
def close(order_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    return _order_action(session, request, order_id, lambda: orders.close_order(session, order_id))


@router.post("/verkauf/auftraege/{order_id}/rechnung")
async def invoice(order_id: Id, request: Request, user: WebUser, session: SessionDep) -> Response:
    """Invoice the chosen deliveries (all uninvoiced ones when none is ticked)."""
    submitted = await request.form()
    chosen = [_id(v) for v in submitted.getlist("delivery_id") if str(v).isdigit()]
    if not any(chosen):
        message = "Bitte mindestens eine Lieferung zum Berechnen ankreuzen."
        context = _order_context(session, order_id, message=message)
        return render(request, "sales/order.html", context, status_code=422)
    body = InvoiceCreate(delivery_ids=[c for c in chosen if c])
    try:
        document = invoicing.invoice_order(session, order_id, body, actor=user.username)
    except DomainError as error:
        if error.code in ("nothing-to-invoice", "already-invoiced"):
            return redirect(f"/verkauf/auftraege/{order_id}#rechnungen")  # a second click
        context = _order_context(session, order_id, message=problem_message(error))
        return render(request, "sales/order.html", context, status_code=error.status)
    return redirect(f"/verkauf/rechnungen/{document.id}")


def _id(text: Any) -> int:
    value = int(str(text))
    return value if 0 < value <= ID_MAX else 0


# --- the delivery ---------------------------------------------------------------------------
def _delivery_context(
    session: Any,
    order_id: Id,
    values: dict[int, str] | None,
    errors: dict[int, str],
    **extra: Any,
) -> dict[str, Any]:
    order = orders.get_order(session, order_id)
    proposals = deliveries.delivery_proposal(session, order.id)
    rows: list[dict[str, Any]] = []
    for proposal in proposals:
        for choice in proposal.stock:
            index = len(rows)
            shown = (
                values.get(index, "")
                if values is not None
                else (_plain(choice.proposed) if choice.proposed > 0 else "")
            )
            rows.append({"index": index, "proposal": proposal, "choice": choice, "value": shown})
    return {
        "order": order,
        "deliverable": order.status in deliveries.DELIVERABLE,
        "customer": partners.get_customer(session, order.customer_id),
        "proposals": proposals,
        "rows": rows,
        "errors": errors,
        "reasons": UNUSABLE_REASON,
        "key": new_form_key(),
        "key_field": IDEMPOTENCY_FIELD,
        "message": None,
        **extra,
    }


def _plain(value: Decimal) -> str:
    """A quantity as the form shows it: German decimal comma, no thousands dots."""
    return format(value.normalize(), "f").replace(".", ",")


@router.get("/verkauf/auftraege/{order_id}/lieferung")
def delivery_form(order_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(
        request, "sales/delivery_new.html", _delivery_context(session, order_id, None, {})
    )


@router.post("/verkauf/auftraege/{order_id}/lieferung")
async def deliver(order_id: Id, request: Request, user: WebUser, session: SessionDep) -> Response:
    submitted = await request.form()
    values, errors, lines, rows_of_lines = _delivery_lines(submitted)
    message = None
    if not errors and not lines:
        message = "Bitte bei mindestens einer Charge eine Menge eintragen."
    elif not errors:
        key = submitted.get(IDEMPOTENCY_FIELD)
        try:
            delivery = deliveries.deliver(
                session,
                order_id,
                DeliveryCreate(lines=lines),
                actor=user.username,
                idempotency_key=key if isinstance(key, str) and 0 < len(key) <= 200 else None,
            )
        except DomainError as error:
            message = _delivery_error(session, error, errors, rows_of_lines)
        else:
            return redirect(f"/verkauf/lieferungen/{delivery.id}")
    context = _delivery_context(session, order_id, values, errors, message=message)
    key = submitted.get(IDEMPOTENCY_FIELD)
    context["key"] = key if isinstance(key, str) and key else context["key"]
    return render(request, "sales/delivery_new.html", context, status_code=422)


def _delivery_lines(
    submitted: FormData,
) -> tuple[dict[int, str], dict[int, str], list[dict[str, Any]], list[int]]:
    """The rows of the form: (typed values, errors per row, the service's lines, and for
    each service line the row it came from). Rows without a quantity are not delivered."""
    values: dict[int, str] = {}
    errors: dict[int, str] = {}
    lines: list[dict[str, Any]] = []
    rows_of_lines: list[int] = []
    columns = [
        submitted.getlist(name)
        for name in ("row_line", "row_location", "row_batch", "row_quantity")
    ]
    if len({len(column) for column in columns}) != 1:
        raise InvalidInput("the delivery form's rows are not complete", field="lines")
    for index, (line, location, batch, raw) in enumerate(zip(*columns, strict=True)):
        text = str(raw).strip()[:40]
        values[index] = text
        if not text:
            continue
        try:
            quantity = DELIVERED_QUANTITY.validate_python(german_decimal(text))
        except ValidationError as exc:
            first = exc.errors()[0]
            errors[index] = input_message(first["type"], first.get("ctx"))
            continue
        line_id, location_id = _id(line), _id(location)
        batch_id = _id(batch) if str(batch).strip() else None
        if not line_id or not location_id or batch_id == 0:
            raise InvalidInput("the delivery form's rows are not valid", field="lines")
        lines.append(
            {
                "order_line_id": line_id,
                "quantity": quantity,
                "location_id": location_id,
                "batch_id": batch_id,
            }
        )
        rows_of_lines.append(index)
    return values, errors, lines, rows_of_lines


def _delivery_error(
    session: Any, error: DomainError, errors: dict[int, str], rows_of_lines: list[int]
) -> str | None:
    """Put the service's error at the row it names; a recalled or blocked batch is named
    with its number and reason. Returns the message for the top when no row is named."""
    message = problem_message(error)
    if isinstance(error, BatchNotUsable) and "batch_id" in error.extra:
        batch = get_batch(session, int(error.extra["batch_id"]))
        reason = str(error.extra.get("reason", ""))
        shown = UNUSABLE_REASON.get(reason.split(" ", 1)[0], UNUSABLE_REASON["blocked"])
        message = f"Charge {batch.batch_no} ist {shown} und darf nicht geliefert werden."
    placed = False
    for entry in error.errors:
        found = _LINE_FIELD.match(str(entry.get("field", "")))
        if found and int(found.group(1)) < len(rows_of_lines):
            errors[rows_of_lines[int(found.group(1))]] = message
            placed = True
    return None if placed else message


DELIVERY_STATUSES = {"gebucht": DeliveryStatus.posted, "storniert": DeliveryStatus.cancelled}


@router.get("/verkauf/lieferungen")
def delivery_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(
        request, sorts=("delivery_no",), default_sort="delivery_no", filters=("status",)
    )
    chosen = query.filters["status"]
    rows, total = deliveries.delivery_overview(
        session,
        query.params,
        status=DELIVERY_STATUSES.get(chosen),
        uninvoiced=chosen == "offen",
        search=query.search or None,
    )
    context = {"rows": rows, "pager": Pager(query, total), "query": query}
    template = "sales/_deliveries.html" if is_htmx(request) else "sales/deliveries.html"
    return render(request, template, context)


@router.get("/verkauf/lieferungen/{delivery_id}")
def delivery_detail(delivery_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(
        request, "sales/delivery.html", _delivery_detail_context(session, delivery_id, FormState())
    )


def _delivery_detail_context(session: Any, delivery_id: Id, form: FormState) -> dict[str, Any]:
    delivery = deliveries.get_delivery(session, delivery_id)
    lines = [
        {
            "line": line,
            "item": catalog.get_item(session, line.item_id),
            "batch": get_batch(session, line.batch_id) if line.batch_id else None,
            "location": get_location(session, line.location_id),
        }
        for line in delivery.lines
    ]
    return {
        "delivery": delivery,
        "order": orders.get_order(session, delivery.sales_order_id),
        "customer": partners.get_customer(session, delivery.customer_id),
        "lines": lines,
        "form": form,
    }


@router.get("/verkauf/lieferungen/{delivery_id}/lieferschein.pdf")
def delivery_note(delivery_id: Id, _: WebUser, session: SessionDep) -> Response:
    return file_response(delivery_note_file(session, delivery_id))


@router.post("/verkauf/lieferungen/{delivery_id}/stornieren")
async def cancel_delivery(
    delivery_id: Id, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, DELIVERY_CANCELLER)
    data, form = parse_form(ReverseIn, await request.form())
    if data is not None:
        try:
            deliveries.cancel_delivery(
                session, delivery_id, reason=data.reason, actor=user.username
            )
        except DomainError as error:
            if deliveries.get_delivery(session, delivery_id).status != DeliveryStatus.cancelled:
                form.fail(error, ("reason",))
            else:
                return redirect(f"/verkauf/lieferungen/{delivery_id}")  # a second click
        else:
            return redirect(f"/verkauf/lieferungen/{delivery_id}")
    context = _delivery_detail_context(session, delivery_id, form)
    return render(request, "sales/delivery.html", context, status_code=422)
