"""Purchase orders: draft → ordered → (partially) received → closed, or cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidState, not_found
from landkontor.numbering.service import next_number
from landkontor.partners.rules import line_amount
from landkontor.partners.service import ensure_supplier_not_blocked, get_supplier
from landkontor.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from landkontor.purchasing.replenishment import OPEN_ORDERS
from landkontor.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    PurchaseOrderOut,
)

ZERO = Decimal(0)


def get_order(session: Session, order_id: int, *, lock: bool = False) -> PurchaseOrder:
    return fetch(session, PurchaseOrder, order_id, kind="purchase order", lock=lock)


def order_query(
    *, supplier_id: int | None = None, status: PurchaseOrderStatus | None = None
) -> Select[Any]:
    stmt = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrder.supplier_id == supplier_id)
    if status is not None:
        stmt = stmt.where(PurchaseOrder.status == status)
    return stmt


def list_orders(session: Session, params: PageParams, **filters: Any) -> tuple[list, int]:
    return paginate(session, order_query(**filters), params)


def count_open_orders(session: Session) -> int:
    """How many orders are placed and still waiting for goods (ordered, partially received)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(PurchaseOrder)
            .where(PurchaseOrder.status.in_(OPEN_ORDERS))
        )
        or 0
    )


def _line(
    session: Session, data: PurchaseOrderLineIn, line_no: int, prefix: str
) -> PurchaseOrderLine:
    item = get_item(session, data.item_id, field=f"{prefix}item_id")
    if not item.active:
        raise InvalidState(f"item {item.item_no} is inactive", field=f"{prefix}item_id")
    converted = to_base_quantity(session, item, data.quantity, data.unit, field=f"{prefix}quantity")
    return PurchaseOrderLine(
        line_no=line_no,
        item_id=item.id,
        quantity=converted.quantity,
        entered_quantity=data.quantity,
        entered_unit=converted.unit,
        unit_price=data.unit_price,
        net_amount=line_amount(converted.quantity, data.unit_price),
        received_quantity=ZERO,
    )


@use_case
def create_order(session: Session, data: PurchaseOrderCreate, *, actor: str) -> PurchaseOrder:
    """Create a draft purchase order. InvalidInput (422) for an unknown supplier or item;
    SupplierBlocked (409)."""
    supplier = get_supplier(session, data.supplier_id, field="supplier_id")
    ensure_supplier_not_blocked(supplier)
    order_date = data.order_date or business_today(settings_of(session))
    lines = [
        _line(session, line, n, f"lines[{n - 1}].") for n, line in enumerate(data.lines, start=1)
    ]
    order = PurchaseOrder(
        order_no=next_number(session, "BE", order_date.year),
        supplier_id=supplier.id,
        status=PurchaseOrderStatus.draft,
        order_date=order_date,
        expected_date=data.expected_date,
        supplier_reference=data.supplier_reference,
        note=data.note,
        created_by=actor,
        lines=lines,
    )
    session.add(order)
    session.flush()
    return order


def _ensure_draft(order: PurchaseOrder) -> None:
    if order.status != PurchaseOrderStatus.draft:
        raise InvalidState(
            f"purchase order {order.order_no} is {order.status.value}; lines change only in a draft"
        )


@use_case
def add_line(session: Session, order_id: int, data: PurchaseOrderLineIn) -> PurchaseOrder:
    order = get_order(session, order_id, lock=True)
    _ensure_draft(order)
    line_no = max((line.line_no for line in order.lines), default=0) + 1
    order.lines.append(_line(session, data, line_no, ""))
    session.flush()
    return order


@use_case
def remove_line(session: Session, order_id: int, line_id: int) -> PurchaseOrder:
    order = get_order(session, order_id, lock=True)
    _ensure_draft(order)
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise not_found("order line", line_id)
    order.lines.remove(line)
    session.flush()
    return order


@use_case
def place_order(session: Session, order_id: int) -> PurchaseOrder:
    """Send a draft to the supplier (draft → ordered). SupplierBlocked, InvalidState (409)."""
    order = get_order(session, order_id, lock=True)
    _ensure_draft(order)
    if not order.lines:
        raise InvalidState(f"purchase order {order.order_no} has no lines", field="lines")
    ensure_supplier_not_blocked(get_supplier(session, order.supplier_id))
    order.status = PurchaseOrderStatus.ordered
    order.ordered_at = utcnow()
    session.flush()
    return order


@use_case
def cancel_order(session: Session, order_id: int) -> PurchaseOrder:
    """Cancel an order nothing has been received for (reverse the receipts first)."""
    order = get_order(session, order_id, lock=True)
    if order.status not in (PurchaseOrderStatus.draft, PurchaseOrderStatus.ordered):
        raise InvalidState(
            f"purchase order {order.order_no} is {order.status.value}; only orders without "
            "receipts can be cancelled (close a partly received one instead)"
        )
    order.status = PurchaseOrderStatus.cancelled
    session.flush()
    return order


@use_case
def close_order(session: Session, order_id: int) -> PurchaseOrder:
    """Close an order: nothing more will arrive (what is missing is given up)."""
    order = get_order(session, order_id, lock=True)
    if order.status not in (
        PurchaseOrderStatus.ordered,
        PurchaseOrderStatus.partially_received,
        PurchaseOrderStatus.received,
    ):
        raise InvalidState(f"purchase order {order.order_no} is {order.status.value}")
    order.status = PurchaseOrderStatus.closed
    session.flush()
    return order


def refresh_status(order: PurchaseOrder) -> None:
    if order.status not in (
        PurchaseOrderStatus.ordered,
        PurchaseOrderStatus.partially_received,
        PurchaseOrderStatus.received,
    ):
        return
    if all(line.received_quantity >= line.quantity for line in order.lines):
        order.status = PurchaseOrderStatus.received
    elif any(line.received_quantity > 0 for line in order.lines):
        order.status = PurchaseOrderStatus.partially_received
    else:
        order.status = PurchaseOrderStatus.ordered


def order_out(order: PurchaseOrder) -> PurchaseOrderOut:
    out = PurchaseOrderOut.model_validate(order)
    out.net_total = sum((line.net_amount for line in order.lines), ZERO)
    return out
