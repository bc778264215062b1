"""Reservations and availability: on hand - unusable - reserved = available.

Reservations belong to a document line (sales order line, production order component) and
a warehouse; they reduce what is available, not what is on hand. Checks and changes lock
the item's cost row, the same lock postings take, so availability cannot be promised twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch, locked
from landkontor.db.session import settings_of
from landkontor.db.upsert import insert_for
from landkontor.inventory.errors import InsufficientStock
from landkontor.inventory.models import (
    Batch,
    ItemCost,
    Location,
    Reservation,
    StockLevel,
)
from landkontor.inventory.rules import unusable_stock_condition

ZERO = Decimal(0)


@dataclass(frozen=True)
class Availability:
    item_id: int
    warehouse_id: int | None
    on_hand: Decimal
    unusable: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.unusable - self.reserved


def availability(session: Session, item_id: int, warehouse_id: int | None = None) -> Availability:
    """Stock of an item (in one warehouse or all): on hand, unusable, reserved, available."""
    return availabilities(session, [item_id], warehouse_id)[item_id]


def availabilities(
    session: Session, item_ids: Iterable[int], warehouse_id: int | None = None
) -> dict[int, Availability]:
    """:func:`availability` of many items in two statements (lists, reorder proposals)."""
    ids = sorted(set(item_ids))
    unusable = unusable_stock_condition(business_today(settings_of(session)))
    stmt = (
        select(
            StockLevel.item_id,
            func.coalesce(func.sum(StockLevel.quantity), ZERO),
            func.coalesce(func.sum(case((unusable, StockLevel.quantity), else_=ZERO)), ZERO),
        )
        .join(Location, Location.id == StockLevel.location_id)
        .outerjoin(Batch, Batch.id == StockLevel.batch_id)
        .where(StockLevel.item_id.in_(ids))
        .group_by(StockLevel.item_id)
    )
    reserved = (
        select(Reservation.item_id, func.coalesce(func.sum(Reservation.quantity), ZERO))
        .where(Reservation.item_id.in_(ids))
        .group_by(Reservation.item_id)
    )
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
        reserved = reserved.where(Reservation.warehouse_id == warehouse_id)
    levels = {item_id: (on_hand, bad) for item_id, on_hand, bad in session.execute(stmt)}
    held: dict[int, Decimal] = {row[0]: row[1] for row in session.execute(reserved)}
    found: dict[int, Availability] = {}
    for item_id in ids:
        on_hand, bad = levels.get(item_id, (ZERO, ZERO))
        found[item_id] = Availability(
            item_id=item_id,
            warehouse_id=warehouse_id,
            on_hand=Decimal(on_hand),
            # Negative stock (where allowed) never counts as unusable.
            unusable=max(Decimal(bad), ZERO),
            reserved=Decimal(held.get(item_id, ZERO)),
        )
    return found


def lock_item(session: Session, item_id: int) -> None:
    """Take the per-item lock that postings take (creating the cost row if needed)."""
    lock_items(session, [item_id])


def lock_items(session: Session, item_ids: Iterable[int]) -> None:
    """:func:`lock_item` for several items in one statement, in item id order (the order
    every caller locks items in, so two transactions never wait for each other crosswise)."""
    ids = sorted(set(item_ids))
    if not ids:
        return
    rows = [{"item_id": i, "quantity": ZERO, "value": ZERO, "average_cost": ZERO} for i in ids]
    stmt = insert_for(session, ItemCost).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ItemCost.item_id], set_={"item_id": stmt.excluded.item_id}
    )
    session.execute(stmt)


def reserve(
    session: Session,
    *,
    item_id: int,
    warehouse_id: int,
    quantity: Decimal,
    document_type: str,
    document_id: int,
    document_line_id: int,
    strict: bool = True,
) -> Reservation:
    """Reserve ``quantity`` (base unit) of an item in a warehouse for a document line.

    With ``strict`` raises InsufficientStock when less is available. Adds to an existing
    reservation of the same line. Joins the caller's transaction.
    """
    lock_item(session, item_id)
    if strict:
        free = availability(session, item_id, warehouse_id).available
        if free < quantity:
            item = fetch(session, Item, item_id, kind="item")
            raise InsufficientStock(
                f"only {free.normalize():f} {item.base_unit.code} of item "
                f"{item.item_no} available in warehouse {warehouse_id}; "
                f"{quantity.normalize():f} requested",
                item_id=item_id,
                available=str(free),
                requested=str(quantity),
            )
    reservation = session.scalar(
        select(Reservation).where(
            Reservation.document_type == document_type,
            Reservation.document_id == document_id,
            Reservation.document_line_id == document_line_id,
        )
    )
    if reservation is None:
        reservation = Reservation(
            item_id=item_id,
            warehouse_id=warehouse_id,
            quantity=quantity,
            document_type=document_type,
            document_id=document_id,
            document_line_id=document_line_id,
        )
        session.add(reservation)
    else:
        reservation.quantity += quantity
    session.flush()
    return reservation


def release(
    session: Session,
    *,
    document_type: str,
    document_id: int,
    document_line_id: int | None = None,
    quantity: Decimal | None = None,
) -> Decimal:
    """Reduce (by ``quantity``) or drop (None) the reservations of a document or one line.

    Returns the quantity released. Never goes below zero.
    """
    stmt = select(Reservation).where(
        Reservation.document_type == document_type, Reservation.document_id == document_id
    )
    if document_line_id is not None:
        stmt = stmt.where(Reservation.document_line_id == document_line_id)
    released = ZERO
    for reservation in session.scalars(locked(stmt, of=Reservation)):
        take = (
            reservation.quantity
            if quantity is None
            else min(quantity - released, reservation.quantity)
        )
        reservation.quantity -= take
        released += take
        if reservation.quantity == 0:
            session.delete(reservation)
        if quantity is not None and released >= quantity:
            break
    session.flush()
    return released


def release_lines(
    session: Session, *, document_type: str, document_id: int, quantities: dict[int, Decimal]
) -> None:
    """:func:`release` of ``quantities`` by document line id, in one read of the locked
    reservations and one write."""
    if not quantities:
        return
    stmt = select(Reservation).where(
        Reservation.document_type == document_type,
        Reservation.document_id == document_id,
        Reservation.document_line_id.in_(quantities),
    )
    for reservation in session.scalars(locked(stmt, of=Reservation)):
        take = min(quantities[reservation.document_line_id], reservation.quantity)
        reservation.quantity -= take
        if reservation.quantity == 0:
            session.delete(reservation)
    session.flush()


def reserved_for(session: Session, document_type: str, document_id: int) -> dict[int, Decimal]:
    """Open reservations of a document by line id."""
    rows = session.execute(
        select(Reservation.document_line_id, Reservation.quantity).where(
            Reservation.document_type == document_type, Reservation.document_id == document_id
        )
    )
    return {line_id: quantity for line_id, quantity in rows.all()}  # noqa: C416
