"""Purchase orders: draft → ordered → (partially) received → closed, or cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidState, not_found
from landkontor.numbering.service import next_number
from landkontor.partners.models import Supplier
from landkontor.partners.rules import line_amount
from landkontor.partners.service import ensure_supplier_not_blocked, get_supplier
from landkontor.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from landkontor.purchasing.replenishment import (
    OPEN_ORDERS,
    reorder_candidates,
    reorder_proposals,
)
from landkontor.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    PurchaseOrderOut,
)

ZERO = Decimal(0)


def get_order(session: Session, order_id: int, *, lock: bool = False) -> PurchaseOrder:
    return fetch(session, PurchaseOrder, order_id, kind="purchase order", lock=lock)


def order_query(
    *,
    supplier_id: int | None = None,
    status: PurchaseOrderStatus | None = None,
    search: str | None = None,
) -> Select[Any]:
    """Orders, newest first; ``search``: part of the order number or of the supplier's
    number or name."""
    stmt = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if search:
        pattern = f"%{search}%"
        suppliers = select(Supplier.id).where(
            or_(Supplier.supplier_no.ilike(pattern), Supplier.name.ilike(pattern))
        )
        stmt = stmt.where(
            or_(PurchaseOrder.order_no.ilike(pattern), PurchaseOrder.supplier_id.in_(suppliers))
        )
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


def items_on_draft_orders(session: Session, item_ids: list[int]) -> dict[int, str]:
    """Per item: the number of a draft order that already has it (drafts are not on order
    yet, so the reorder proposal still lists the item)."""
    rows = session.execute(
        select(PurchaseOrderLine.item_id, func.min(PurchaseOrder.order_no))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(
            PurchaseOrderLine.item_id.in_(item_ids),
            PurchaseOrder.status == PurchaseOrderStatus.draft,
        )
        .group_by(PurchaseOrderLine.item_id)
    )
    return {item_id: str(order_no) for item_id, order_no in rows}


@use_case
def orders_from_proposals(
    session: Session, item_ids: list[int], *, actor: str
) -> list[PurchaseOrder]:
    """Turn the reorder proposals of these items into draft purchase orders in one step: one
    order per supplier, each line the proposed quantity at the last purchase price.

    The proposals are computed again here (the browser keeps none). Items that are no longer
    proposed, have no earlier supplier, whose supplier is blocked, or that already are on a
    draft order are left out, so a resent form orders nothing twice; two calls at once for
    the same items wait for each other on the items' rows (FOR NO KEY UPDATE: postings,
    which only reference an item, are not held up). Returns the new orders.
    """
    wanted = set(item_ids)
    session.execute(
        select(Item.id).where(Item.id.in_(wanted)).order_by(Item.id).with_for_update(key_share=True)
    )
    candidates = [i for i in reorder_candidates(session) if i in wanted]
    drafted = items_on_draft_orders(session, candidates)
    by_supplier: dict[int, list[PurchaseOrderLineIn]] = {}
    for proposal in reorder_proposals(session, [i for i in candidates if i not in drafted]):
        last = proposal.last_purchase
        if last is None or last.supplier_blocked:
            continue
        by_supplier.setdefault(last.supplier_id, []).append(
            PurchaseOrderLineIn(
                item_id=proposal.item_id, quantity=proposal.quantity, unit_price=last.unit_price
            )
        )
    return [
        create_order(
            session,
            PurchaseOrderCreate(
                supplier_id=supplier_id, note="aus dem Bestellvorschlag", lines=lines
            ),
            actor=actor,
        )
        for supplier_id, lines in sorted(by_supplier.items())
    ]


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
