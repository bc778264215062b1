"""Einkauf: purchase orders (list with status filter and search, create, lines while a
draft, order, cancel, close), the Wareneingang against an order into one or more batches per
line (supplier batch number, best-before) with the over-receipt tolerance shown, and the
reorder proposals turned into draft purchase orders in one step.

Every action calls the purchasing service the API route calls (roles as there: clerks order
and receive). The receipt form carries an idempotency key (``receipts.receive_once``), so a
resent form receives once; proposals already on a draft order are not ordered again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.catalog.schemas import Price, UnitRef
from landkontor.common.bounds import BatchNo, BusinessDate, Id, ItemNo, Note, PositiveQuantity
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.common.schemas import InputModel
from landkontor.db.session import settings_of
from landkontor.errors import DomainError, NotFound
from landkontor.inventory import batches, locations
from landkontor.inventory.schemas import SupplierBatchNo
from landkontor.partners import service as partners
from landkontor.purchasing import orders, receipts
from landkontor.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from landkontor.purchasing.replenishment import reorder_candidates, reorder_proposals
from landkontor.purchasing.schemas import (
    MAX_LINES,
    DeliveryNoteNo,
    GoodsReceiptCreate,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    ReceiptBatchIn,
    ReceiptLineIn,
    SupplierReference,
)
from landkontor.web.formatting import PURCHASE_STATUS
from landkontor.web.forms import IDEMPOTENCY_FIELD, FormState, new_form_key, parse_form
from landkontor.web.listing import PAGE_SIZE, Pager, list_query
from landkontor.web.messages import problem_message
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

BUYER = Role.clerk  # as the API's purchase order and receipt routes
STATUS_OPTIONS = [("", "alle"), *PURCHASE_STATUS.items()]
ORDER_FIELDS = ("supplier_no", "expected_date", "supplier_reference", "note")
LINE_FIELDS = ("item_no", "quantity", "unit", "unit_price")
ROW_FIELDS = ("quantity", "batch_no", "supplier_batch_no", "best_before")
_ROW = re.compile(r"^row-(\d{1,4})-line$")
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.?(.*)$")
ALL_RECEIPTS = PageParams(limit=200)  # an order's receipts on its page
BATCH_ROWS = 2  # rows offered per batch-managed order line (empty rows are left out)


class PurchaseOrderForm(InputModel):
    """The head of a new purchase order as the form sends it: the supplier by its number."""

    supplier_no: ItemNo
    expected_date: BusinessDate | None = None
    supplier_reference: SupplierReference = ""
    note: Note = ""


class PurchaseLineForm(InputModel):
    """An order line as the form sends it: the item by its number."""

    item_no: ItemNo
    quantity: PositiveQuantity
    unit: UnitRef | None = None
    unit_price: Price


class ReceiptRowForm(InputModel):
    """One row of the receipt form: a quantity of an order line into one batch."""

    quantity: PositiveQuantity
    batch_no: BatchNo | None = None
    supplier_batch_no: SupplierBatchNo | None = None
    best_before: BusinessDate | None = None


class ReceiptHeadForm(InputModel):
    location_id: Id
    delivery_note_no: DeliveryNoteNo = ""


# --- list and head -----------------------------------------------------------------------------
@router.get("/einkauf")
def order_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("order_no",), default_sort="order_no", filters=("status",))
    status = query.filters["status"]
    rows, total = orders.list_orders(
        session,
        query.params,
        status=PurchaseOrderStatus(status) if status in PURCHASE_STATUS else None,
        search=query.search or None,
    )
    context = {
        "rows": rows,
        "suppliers": partners.suppliers_by_id(session, (o.supplier_id for o in rows)),
        "pager": Pager(query, total),
        "query": query,
        "status_options": STATUS_OPTIONS,
    }
    template = "purchasing/_orders.html" if is_htmx(request) else "purchasing/orders.html"
    return render(request, template, context)


@router.get("/einkauf/neu")
def new_order_page(request: Request, user: WebUser) -> Response:
    require_role(user, BUYER)
    supplier_no = request.query_params.get("lieferant", "").replace("\x00", "")[:64]
    form = FormState(values={"supplier_no": supplier_no})
    return render(request, "purchasing/new.html", {"form": form})


@router.post("/einkauf/neu")
async def create_order(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, BUYER)
    data, form = parse_form(PurchaseOrderForm, await request.form())
    if data is not None:
        supplier = partners.supplier_by_number(session, data.supplier_no)
        if supplier is None:
            form.errors["supplier_no"] = "Diesen Lieferanten gibt es nicht."
        else:
            body = PurchaseOrderCreate(
                supplier_id=supplier.id, **data.model_dump(exclude={"supplier_no"})
            )
            try:
                order = orders.create_order(session, body, actor=user.username)
            except DomainError as error:
                form.fail(error, ORDER_FIELDS)
                if "supplier_id" in form.errors or error.code == "supplier-blocked":
                    form.errors["supplier_no"] = problem_message(error)
                    form.message = None
            else:
                return redirect(f"/einkauf/{order.id}")
    return render(request, "purchasing/new.html", {"form": form}, status_code=422)


# --- Bestellvorschläge -------------------------------------------------------------------------
def proposal_page(request: Request, session: Any) -> dict[str, Any]:
    """One page of the reorder check: PAGE_SIZE candidate items checked per page (each
    item's availability is its own query, so a page checks a bounded number)."""
    query = list_query(request, sorts=("item_no",), default_sort="item_no")
    candidates = reorder_candidates(session)
    start = query.params.offset
    checked = candidates[start : start + PAGE_SIZE]
    found = reorder_proposals(session, checked) if checked else []
    return {
        "proposals": found,
        "drafted": orders.items_on_draft_orders(session, [p.item_id for p in found])
        if found
        else {},
        "pager": Pager(query, len(candidates)),
        "query": query,
    }


@router.get("/einkauf/vorschlaege")
def proposals(request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "purchasing/proposals.html", proposal_page(request, session))


@router.post("/einkauf/vorschlaege")
async def order_proposals(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, BUYER)
    submitted = await request.form()
    given = [str(v) for v in submitted.getlist("item_id")][:PAGE_SIZE]
    item_ids = [int(v) for v in given if v.isdigit() and len(v) <= 18 and int(v) > 0]
    created = orders.orders_from_proposals(session, item_ids, actor=user.username)
    if len(created) == 1:
        return redirect(f"/einkauf/{created[0].id}")
    return redirect("/einkauf?status=draft")


# --- one order ---------------------------------------------------------------------------------
def _order_context(session: Any, order_id: int, line_form: FormState) -> dict[str, Any]:
    order = orders.get_order(session, order_id)
    found, _ = receipts.list_receipts(session, ALL_RECEIPTS, purchase_order_id=order.id)
    return {
        "order": order,
        "supplier": partners.get_supplier(session, order.supplier_id),
        "items": catalog.items_by_id(session, (line.item_id for line in order.lines)),
        "net_total": orders.order_out(order).net_total,
        "receipts": found,
        "batches": batches.batches_by_id(
            session, (line.batch_id for receipt in found for line in receipt.lines)
        ),
        "line_form": line_form,
        "receivable": order.status in receipts.RECEIVABLE,
    }


@router.get("/einkauf/{order_id}")
def order_detail(order_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "purchasing/order.html", _order_context(session, order_id, FormState()))


@router.post("/einkauf/{order_id}/positionen")
async def add_line(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, BUYER)
    orders.get_order(session, order_id)
    data, form = parse_form(PurchaseLineForm, await request.form())
    if data is not None:
        item = catalog.item_by_number(session, data.item_no)
        if item is None:
            form.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
        else:
            line = PurchaseOrderLineIn(item_id=item.id, **data.model_dump(exclude={"item_no"}))
            try:
                orders.add_line(session, order_id, line)
            except DomainError as error:
                form.fail(error, (*LINE_FIELDS, "item_id"))
                if "item_id" in form.errors:
                    form.errors["item_no"] = form.errors.pop("item_id")
            else:
                return redirect(f"/einkauf/{order_id}#positionen")
    context = _order_context(session, order_id, form)
    return render(request, "purchasing/order.html", context, status_code=422)


@router.post("/einkauf/{order_id}/positionen/{line_id}/entfernen")
def remove_line(order_id: int, line_id: int, user: WebUser, session: SessionDep) -> Response:
    require_role(user, BUYER)
    orders.remove_line(session, order_id, line_id)
    return redirect(f"/einkauf/{order_id}#positionen")


# --- Wareneingang ------------------------------------------------------------------------------
def _rows_given(form: FormState) -> dict[int, list[int]]:
    """The form rows a sent receipt form had, per order line (to show them again)."""
    given: dict[int, list[int]] = {}
    for name, value in form.values.items():
        found = _ROW.match(name)
        if found and value.isdigit() and len(value) <= 18:
            given.setdefault(int(value), []).append(int(found.group(1)))
    return given


def _receipt_context(
    session: Any, order: PurchaseOrder, form: FormState, key: str | None = None
) -> dict[str, Any]:
    items = catalog.items_by_id(session, (line.item_id for line in order.lines))
    tolerance = settings_of(session).purchase_over_receipt_percent
    given = _rows_given(form)
    row = max((r for rows in given.values() for r in rows), default=-1) + 1
    lines = []
    for line in order.lines:
        allowed = receipts.allowed_quantity(line.quantity, tolerance)
        item = items[line.item_id]
        rows = sorted(given.get(line.id, []))
        if not rows:
            count = BATCH_ROWS if item.batch_managed else 1
            rows, row = list(range(row, row + count)), row + count
        lines.append(
            {
                "line": line,
                "item": item,
                "open": max(Decimal(0), line.quantity - line.received_quantity),
                "allowed": allowed,
                "most": max(Decimal(0), allowed - line.received_quantity),
                "rows": rows,
            }
        )
    return {
        "order": order,
        "supplier": partners.get_supplier(session, order.supplier_id),
        "lines": lines,
        "tolerance": tolerance,
        "locations": locations.posting_locations(session),
        "form": form,
        "key": key or new_form_key(),
        "key_field": IDEMPOTENCY_FIELD,
    }


@router.get("/einkauf/{order_id}/wareneingang/zeile")
def receipt_row(
    order_id: int, position: int, zeile: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    """One more batch row for an order line of the receipt form (htmx)."""
    order = orders.get_order(session, order_id)
    line = next((line for line in order.lines if line.id == position), None)
    if line is None or not 0 <= zeile < MAX_LINES:
        raise NotFound(f"no line {position} in order {order.order_no}")
    item = catalog.get_item(session, line.item_id)
    context = {"line": line, "item": item, "row": zeile, "form": FormState()}
    return render(request, "purchasing/_receipt_row.html", context)


@router.get("/einkauf/{order_id}/wareneingang")
def receipt_page(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, BUYER)
    order = orders.get_order(session, order_id)
    context = _receipt_context(session, order, FormState())
    return render(request, "purchasing/receipt.html", context)


def _receipt_body(
    session: Any, submitted: FormData, form: FormState
) -> tuple[GoodsReceiptCreate | None, list[int]]:
    """The service's request from the rows that have a quantity; errors land at the row's
    field. Returns the request and, per request line, the form row it came from."""
    head, head_form = parse_form(ReceiptHeadForm, submitted)
    form.errors.update(head_form.errors)
    rows = sorted(int(m.group(1)) for name in submitted if (m := _ROW.match(name)))[:MAX_LINES]
    lines: list[ReceiptLineIn] = []
    origin: list[int] = []
    for row in rows:
        values = {f: str(submitted.get(f"row-{row}-{f}", "")) for f in ROW_FIELDS}
        if not values["quantity"].strip():
            if any(v.strip() for v in values.values()):
                form.errors[f"row-{row}-quantity"] = "Bitte die Menge dieser Charge eingeben."
            continue
        data, row_form = parse_form(ReceiptRowForm, FormData(values))
        for name, message in row_form.errors.items():
            form.errors[f"row-{row}-{name}"] = message
        line_id = str(submitted.get(f"row-{row}-line", ""))
        if data is None or not line_id.isdigit() or len(line_id) > 18:
            continue
        batch = None
        if data.batch_no:
            batch = ReceiptBatchIn(
                batch_no=data.batch_no,
                supplier_batch_no=data.supplier_batch_no,
                best_before=data.best_before,
            )
        lines.append(ReceiptLineIn(order_line_id=int(line_id), quantity=data.quantity, batch=batch))
        origin.append(row)
    if not lines and not form.errors:
        form.message = "Bitte mindestens eine Menge eingeben."
    if form.errors or form.message or head is None:
        return None, origin
    body = GoodsReceiptCreate(
        location_id=head.location_id, delivery_note_no=head.delivery_note_no, lines=lines
    )
    return body, origin


def _place_receipt_error(form: FormState, error: DomainError, origin: list[int]) -> None:
    """A receipt error at the row and field it names (lines[i].quantity -> that row)."""
    message = problem_message(error)
    for entry in error.errors:
        found = _LINE_FIELD.match(str(entry.get("field", "")))
        if found and found.group(2).endswith("location_id"):
            form.errors["location_id"] = message
        elif found and int(found.group(1)) < len(origin):
            rest = found.group(2)
            name = "quantity" if rest in ("quantity", "order_line_id") else "batch_no"
            if rest.endswith("best_before"):
                name = "best_before"
            form.errors[f"row-{origin[int(found.group(1))]}-{name}"] = message
        elif entry.get("field") == "location_id":
            form.errors["location_id"] = message
    if not form.errors:
        form.message = message


@router.post("/einkauf/{order_id}/wareneingang")
async def receive(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, BUYER)
    orders.get_order(session, order_id)
    submitted = await request.form()
    form = FormState(values={k: v for k, v in submitted.items() if isinstance(v, str)})
    body, origin = _receipt_body(session, submitted, form)
    key = submitted.get(IDEMPOTENCY_FIELD)
    key = key if isinstance(key, str) and 0 < len(key) <= 200 else None
    if body is not None:
        try:
            receipts.receive_once(session, order_id, body, actor=user.username, key=key)
        except DomainError as error:
            _place_receipt_error(form, error, origin)
        else:
            return redirect(f"/einkauf/{order_id}#wareneingaenge")
    session.rollback()
    order = orders.get_order(session, order_id)
    context = _receipt_context(session, order, form, key)
    return render(request, "purchasing/receipt.html", context, status_code=422)


# The state changes of an order: German path -> service function.
ACTIONS = {
    "bestellen": orders.place_order,
    "stornieren": orders.cancel_order,
    "abschliessen": orders.close_order,
}


@router.post("/einkauf/{order_id}/{action}")
def change_order(
    order_id: int, action: str, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, BUYER)
    change = ACTIONS.get(action)
    if change is None:
        raise NotFound(f"no action {action}")
    try:
        change(session, order_id)
    except DomainError as error:
        form = FormState(message=problem_message(error))
        if error.code == "invalid-state" and action == "bestellen" and error.errors:
            form.message = "Eine Bestellung ohne Positionen kann nicht bestellt werden."
        session.rollback()
        context = _order_context(session, order_id, FormState())
        context["action_message"] = form.message
        return render(request, "purchasing/order.html", context, status_code=409)
    return redirect(f"/einkauf/{order_id}")
