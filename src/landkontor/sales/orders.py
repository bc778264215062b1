"""Sales orders: draft → confirmed → (partially) delivered → invoiced → closed, or cancelled.

Lines are priced when added (customer list > group lists > base price, then the discount).
Confirming checks the blocked flag and the credit limit and reserves the stock in the
order's warehouse; cancelling and closing give back what is still reserved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate, paginate_rows
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidState, not_found
from landkontor.inventory.locations import get_warehouse
from landkontor.inventory.reservations import lock_item, release, reserve, reserved_for
from landkontor.numbering.service import next_number
from landkontor.partners.models import Customer
from landkontor.partners.pricing import resolve_price
from landkontor.partners.rules import discounted, line_amount
from landkontor.partners.service import ensure_not_blocked, get_customer
from landkontor.sales.credit import check_credit_limit, priced_totals
from landkontor.sales.models import SalesOrder, SalesOrderLine, SalesOrderStatus
from landkontor.sales.schemas import (
    SalesOrderCreate,
    SalesOrderLineIn,
    SalesOrderLineOut,
    SalesOrderOut,
    TaxTotalOut,
)

RESERVATION_DOCUMENT = "sales_order"
ZERO = Decimal(0)
# Orders still being worked on: everything but closed and cancelled.
OPEN_STATUSES = tuple(
    s for s in SalesOrderStatus if s not in (SalesOrderStatus.closed, SalesOrderStatus.cancelled)
)

NUMBER_SERIES = "AU"  # Auftrag: AU-2026-000001


def get_order(session: Session, order_id: int, *, lock: bool = False) -> SalesOrder:
    """The order; ``lock`` takes its row lock (every state change does, so two requests on
    one order run one after the other)."""
    return fetch(session, SalesOrder, order_id, kind="sales order", lock=lock)


def order_query(
    *, customer_id: int | None = None, status: SalesOrderStatus | None = None
) -> Select[Any]:
    stmt = select(SalesOrder).order_by(SalesOrder.id.desc())
    if customer_id is not None:
        stmt = stmt.where(SalesOrder.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(SalesOrder.status == status)
    return stmt


def list_orders(session: Session, params: PageParams, **filters: Any) -> tuple[list, int]:
    return paginate(session, order_query(**filters), params)


# Columns the order overview may be sorted by (the web list's sort links name these).
ORDER_SORTS = ("order_no", "order_date", "customer", "net_total")


def order_overview(
    session: Session,
    params: PageParams,
    *,
    statuses: Sequence[SalesOrderStatus] | None = None,
    search: str | None = None,
    sort: str = "order_no",
    descending: bool = True,
) -> tuple[list[Any], int]:
    """One page of orders for a list: each with its customer's number and name and its net
    total (the sum of its lines), in one statement. ``statuses``: any of these; ``search``:
    part of the order number, the customer's number or name, or the customer's reference;
    ``sort`` one of ORDER_SORTS (else the order number), ties newest first."""
    net_total = (
        select(func.coalesce(func.sum(SalesOrderLine.net_amount), ZERO))
        .where(SalesOrderLine.order_id == SalesOrder.id)
        .correlate(SalesOrder)
        .scalar_subquery()
    )
    columns = {
        "order_no": SalesOrder.order_no,
        "order_date": SalesOrder.order_date,
        "customer": Customer.name,
        "net_total": net_total,
    }
    column = columns.get(sort, SalesOrder.order_no)
    stmt = (
        select(
            SalesOrder.id,
            SalesOrder.order_no,
            SalesOrder.status,
            SalesOrder.order_date,
            SalesOrder.requested_date,
            SalesOrder.customer_reference,
            SalesOrder.customer_id,
            Customer.customer_no,
            Customer.name.label("customer_name"),
            net_total.label("net_total"),
        )
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .order_by(column.desc() if descending else column.asc(), SalesOrder.id.desc())
    )
    if statuses:
        stmt = stmt.where(SalesOrder.status.in_(statuses))
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(
            or_(
                SalesOrder.order_no.ilike(pattern),
                SalesOrder.customer_reference.ilike(pattern),
                Customer.customer_no.ilike(pattern),
                Customer.name.ilike(pattern),
            )
        )
    return paginate_rows(session, stmt, params)


def count_open_orders(session: Session) -> int:
    """How many orders are neither closed nor cancelled (drafts and invoiced, unpaid ones
    included). Reads the status index: the work grows with the open orders only."""
    return (
        session.scalar(
            select(func.count()).select_from(SalesOrder).where(SalesOrder.status.in_(OPEN_STATUSES))
        )
        or 0
    )


def _priced_line(
    session: Session,
    customer: Customer,
    price_date: date,
    data: SalesOrderLineIn,
    line_no: int,
    prefix: str,
) -> SalesOrderLine:
    """A priced line; ``prefix`` locates the line in the request for error fields."""
    item = get_item(session, data.item_id, field=f"{prefix}item_id")
    if not item.active:
        raise InvalidState(f"item {item.item_no} is inactive", field=f"{prefix}item_id")
    converted = to_base_quantity(session, item, data.quantity, data.unit, field=f"{prefix}quantity")
    if data.unit_price is not None:
        list_price, discount, source = data.unit_price, data.discount_percent or ZERO, "manual"
        unit_price = discounted(list_price, discount)
    else:
        quote = resolve_price(
            session, customer, item, converted.quantity, price_date, field=f"{prefix}item_id"
        )
        list_price, discount = quote.list_price, quote.discount_percent
        unit_price = quote.net_unit_price
        source = quote.price_source + (
            f" {quote.price_list_id}" if quote.price_list_id is not None else ""
        )
    return SalesOrderLine(
        line_no=line_no,
        item_id=item.id,
        quantity=converted.quantity,
        entered_quantity=data.quantity,
        entered_unit=converted.unit,
        list_price=list_price,
        discount_percent=discount,
        unit_price=unit_price,
        net_amount=line_amount(converted.quantity, unit_price),
        vat_category=item.vat_category,
        price_source=source,
        delivered_quantity=ZERO,
        invoiced_quantity=ZERO,
    )


@use_case
def create_order(session: Session, data: SalesOrderCreate, *, actor: str) -> SalesOrder:
    """Create a draft order with priced lines.

    InvalidInput (422) for an unknown customer, warehouse or item; CustomerBlocked (409);
    NoPrice (409) when a line's item has no price for the customer.
    """
    customer = get_customer(session, data.customer_id, field="customer_id")
    ensure_not_blocked(customer)
    get_warehouse(session, data.warehouse_id, field="warehouse_id")
    order_date = data.order_date or business_today(settings_of(session))
    lines = [
        _priced_line(session, customer, order_date, line, n, f"lines[{n - 1}].")
        for n, line in enumerate(data.lines, start=1)
    ]
    order = SalesOrder(
        order_no=next_number(session, NUMBER_SERIES, order_date.year),
        customer_id=customer.id,
        warehouse_id=data.warehouse_id,
        status=SalesOrderStatus.draft,
        order_date=order_date,
        requested_date=data.requested_date,
        customer_reference=data.customer_reference,
        note=data.note,
        created_by=actor,
        lines=lines,
    )
    session.add(order)
    session.flush()
    return order


def _ensure_draft(order: SalesOrder) -> None:
    if order.status != SalesOrderStatus.draft:
        raise InvalidState(
            f"order {order.order_no} is {order.status.value}; lines change only in a draft"
        )


@use_case
def add_line(session: Session, order_id: int, data: SalesOrderLineIn) -> SalesOrder:
    """Add a priced line to a draft order."""
    order = get_order(session, order_id, lock=True)
    _ensure_draft(order)
    customer = get_customer(session, order.customer_id)
    line_no = max((line.line_no for line in order.lines), default=0) + 1
    order.lines.append(_priced_line(session, customer, order.order_date, data, line_no, ""))
    session.flush()
    return order


@use_case
def remove_line(session: Session, order_id: int, line_id: int) -> SalesOrder:
    order = get_order(session, order_id, lock=True)
    _ensure_draft(order)
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise not_found("order line", line_id)
    order.lines.remove(line)
    session.flush()
    return order


@use_case
def confirm_order(session: Session, order_id: int, *, actor: str) -> SalesOrder:
    """Confirm a draft: the customer must not be blocked, the credit limit must hold, and
    every line's quantity is reserved in the order's warehouse.

    Raises InvalidState, CustomerBlocked, CreditLimitExceeded, InsufficientStock (409).
    """
    order = get_order(session, order_id, lock=True)
    _ensure_draft(order)
    if not order.lines:
        raise InvalidState(f"order {order.order_no} has no lines", field="lines")
    # The customer's row lock serialises confirmations, so two orders cannot both use up
    # the same remaining credit.
    customer = get_customer(session, order.customer_id, lock=True)
    ensure_not_blocked(customer)
    check_credit_limit(session, customer, order)
    for item_id in sorted({line.item_id for line in order.lines}):
        lock_item(session, item_id)  # in id order, as postings do: no deadlocks
    for line in order.lines:
        reserve(
            session,
            item_id=line.item_id,
            warehouse_id=order.warehouse_id,
            quantity=line.quantity,
            document_type=RESERVATION_DOCUMENT,
            document_id=order.id,
            document_line_id=line.id,
        )
    order.status = SalesOrderStatus.confirmed
    order.confirmed_at = utcnow()
    session.flush()
    return order


@use_case
def cancel_order(session: Session, order_id: int) -> SalesOrder:
    """Cancel an order nothing has been delivered from; its reservations are released.

    InvalidState otherwise (cancel the deliveries first, or close the order)."""
    order = get_order(session, order_id, lock=True)
    if order.status not in (SalesOrderStatus.draft, SalesOrderStatus.confirmed):
        raise InvalidState(
            f"order {order.order_no} is {order.status.value}; only draft or confirmed orders "
            "without deliveries can be cancelled (close a partly delivered one instead)"
        )
    release(session, document_type=RESERVATION_DOCUMENT, document_id=order.id)
    order.status = SalesOrderStatus.cancelled
    session.flush()
    return order


@use_case
def close_order(session: Session, order_id: int) -> SalesOrder:
    """Close an order: everything delivered must be invoiced; what was not delivered is
    given up and its reservations released. InvalidState otherwise."""
    order = get_order(session, order_id, lock=True)
    closable = (
        SalesOrderStatus.partially_delivered,
        SalesOrderStatus.delivered,
        SalesOrderStatus.invoiced,
    )
    if order.status not in closable:
        raise InvalidState(
            f"order {order.order_no} is {order.status.value}; only delivered or invoiced "
            "orders can be closed (cancel an undelivered one)"
        )
    if any(line.invoiced_quantity < line.delivered_quantity for line in order.lines):
        raise InvalidState(f"order {order.order_no} has deliveries not invoiced yet")
    release(session, document_type=RESERVATION_DOCUMENT, document_id=order.id)
    order.status = SalesOrderStatus.closed
    session.flush()
    return order


def refresh_status(order: SalesOrder) -> None:
    """Derive the progress status from delivered and invoiced quantities."""
    if order.status in (
        SalesOrderStatus.draft,
        SalesOrderStatus.closed,
        SalesOrderStatus.cancelled,
    ):
        return
    lines = order.lines
    all_delivered = all(line.delivered_quantity >= line.quantity for line in lines)
    if all_delivered and all(line.invoiced_quantity >= line.delivered_quantity for line in lines):
        order.status = SalesOrderStatus.invoiced
    elif all_delivered:
        order.status = SalesOrderStatus.delivered
    elif any(line.delivered_quantity > 0 for line in lines):
        order.status = SalesOrderStatus.partially_delivered
    else:
        order.status = SalesOrderStatus.confirmed


def order_out(session: Session, order: SalesOrder) -> SalesOrderOut:
    """The order with unit and reserved quantity per line, and its totals (today's VAT)."""
    reserved = reserved_for(session, RESERVATION_DOCUMENT, order.id)
    lines = []
    for line in order.lines:
        item = fetch(session, Item, line.item_id, kind="item")
        fields = {name: getattr(line, name) for name in _LINE_FIELDS}
        lines.append(
            SalesOrderLineOut(
                **fields,
                unit=item.base_unit.code,
                reserved_quantity=reserved.get(line.id, ZERO),
            )
        )
    totals = priced_totals(
        session, ((line.vat_category, line.quantity, line.unit_price) for line in order.lines)
    )
    header = {name: getattr(order, name) for name in _ORDER_FIELDS}
    return SalesOrderOut(
        **header,
        lines=lines,
        net_total=totals.net,
        gross_total=totals.gross,
        taxes=[
            TaxTotalOut(
                vat_category=t.category, vat_percent=t.percent, net_amount=t.net, vat_amount=t.vat
            )
            for t in totals.taxes
        ],
    )


_LINE_FIELDS = [
    name for name in SalesOrderLineOut.model_fields if name not in ("unit", "reserved_quantity")
]
_ORDER_FIELDS = [
    name
    for name in SalesOrderOut.model_fields
    if name not in ("lines", "net_total", "taxes", "gross_total")
]
