"""Reorder proposals (Bestellvorschläge): which items to buy, how much, from whom.

An item is proposed when its projected stock — available stock (on hand less unusable and
reserved, all warehouses) plus what is still to arrive on placed purchase orders — is below
its reorder point. Purchase orders name no warehouse, so the comparison is company-wide, as
the item's reorder point is. The proposed quantity brings the projected stock back to the
reorder point, rounded up to whole multiples of the item's reorder quantity (its lot size;
at least one lot), or, without one, to whole pack units (the smallest) or base units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from landkontor.catalog.models import Item
from landkontor.inventory.reservations import availabilities
from landkontor.partners.models import Supplier
from landkontor.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus

ZERO = Decimal(0)
# Placed orders whose rest is still expected (a received order has nothing open, a closed
# one has given its rest up, a draft is not sent yet).
OPEN_ORDERS = (PurchaseOrderStatus.ordered, PurchaseOrderStatus.partially_received)
# Orders that say who supplied an item at what price.
PLACED_ORDERS = (*OPEN_ORDERS, PurchaseOrderStatus.received, PurchaseOrderStatus.closed)


def proposed_quantity(
    reorder_point: Decimal,
    reorder_quantity: Decimal | None,
    projected: Decimal,
    pack_size: Decimal | None = None,
) -> Decimal | None:
    """How much to order (base unit), or None while ``projected`` is not below the point.

    The shortfall to the reorder point in whole lots of ``reorder_quantity`` (at least one);
    without a lot size, in whole ``pack_size`` units (or whole base units)."""
    if projected >= reorder_point:
        return None
    shortfall = reorder_point - projected
    step = reorder_quantity or pack_size or Decimal(1)
    steps = max(Decimal(1), (shortfall / step).to_integral_value(rounding=ROUND_CEILING))
    return steps * step


@dataclass(frozen=True)
class LastPurchase:
    supplier_id: int
    supplier_no: str
    supplier_name: str
    supplier_blocked: bool
    unit_price: Decimal
    order_no: str
    order_date: date


@dataclass(frozen=True)
class ReorderProposal:
    item_id: int
    item_no: str
    item_name: str
    unit: str
    reorder_point: Decimal
    reorder_quantity: Decimal | None
    on_hand: Decimal
    available: Decimal
    on_order: Decimal
    projected: Decimal
    quantity: Decimal
    last_purchase: LastPurchase | None


def reorder_candidates(session: Session, *, item_group: str | None = None) -> list[int]:
    """Ids of the active items with a reorder point, by item number."""
    stmt = (
        select(Item.id)
        .where(Item.reorder_point.is_not(None), Item.active.is_(True))
        .order_by(Item.item_no)
    )
    if item_group:
        stmt = stmt.where(Item.item_group == item_group)
    return list(session.scalars(stmt))


def open_order_quantities(session: Session, item_ids: list[int]) -> dict[int, Decimal]:
    """Quantity still to arrive per item (base unit) on placed, not completed orders."""
    rest = func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity)
    rows = session.execute(
        select(PurchaseOrderLine.item_id, rest)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(
            PurchaseOrderLine.item_id.in_(item_ids),
            PurchaseOrder.status.in_(OPEN_ORDERS),
            PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
        )
        .group_by(PurchaseOrderLine.item_id)
    )
    return {item_id: Decimal(quantity) for item_id, quantity in rows}


def last_purchases(session: Session, item_ids: list[int]) -> dict[int, LastPurchase]:
    """The latest placed purchase order line per item: supplier and net price per base unit."""
    rank = (
        func.row_number()
        .over(
            partition_by=PurchaseOrderLine.item_id,
            order_by=(
                PurchaseOrder.order_date.desc(),
                PurchaseOrder.id.desc(),
                PurchaseOrderLine.line_no,
            ),
        )
        .label("rank")
    )
    ranked = (
        select(
            PurchaseOrderLine.item_id,
            PurchaseOrderLine.unit_price,
            PurchaseOrder.order_no,
            PurchaseOrder.order_date,
            PurchaseOrder.supplier_id,
            rank,
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrderLine.item_id.in_(item_ids), PurchaseOrder.status.in_(PLACED_ORDERS))
        .subquery()
    )
    rows = session.execute(
        select(ranked, Supplier.supplier_no, Supplier.name, Supplier.blocked)
        .join(Supplier, Supplier.id == ranked.c.supplier_id)
        .where(ranked.c.rank == 1)
    )
    return {
        row.item_id: LastPurchase(
            supplier_id=row.supplier_id,
            supplier_no=row.supplier_no,
            supplier_name=row.name,
            supplier_blocked=row.blocked,
            unit_price=row.unit_price,
            order_no=row.order_no,
            order_date=row.order_date,
        )
        for row in rows
    }


def reorder_proposals(session: Session, item_ids: list[int]) -> list[ReorderProposal]:
    """The proposals among these items (read-only), in the order of ``item_ids``."""
    items = {
        item.id: item
        for item in session.scalars(
            select(Item).options(selectinload(Item.pack_units)).where(Item.id.in_(item_ids))
        )
    }
    on_order = open_order_quantities(session, item_ids)
    stocks = availabilities(session, item_ids)
    proposals = []
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None or item.reorder_point is None:
            continue
        stock = stocks[item_id]
        expected = on_order.get(item_id, ZERO)
        projected = stock.available + expected
        pack = min((u.factor for u in item.pack_units), default=None)
        quantity = proposed_quantity(item.reorder_point, item.reorder_quantity, projected, pack)
        if quantity is None:
            continue
        proposals.append(
            ReorderProposal(
                item_id=item.id,
                item_no=item.item_no,
                item_name=item.name,
                unit=item.base_unit.code,
                reorder_point=item.reorder_point,
                reorder_quantity=item.reorder_quantity,
                on_hand=stock.on_hand,
                available=stock.available,
                on_order=expected,
                projected=projected,
                quantity=quantity,
                last_purchase=None,
            )
        )
    found = last_purchases(session, [p.item_id for p in proposals]) if proposals else {}
    return [replace(p, last_purchase=found.get(p.item_id)) for p in proposals]
