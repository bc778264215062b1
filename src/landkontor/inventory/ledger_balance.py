"""The ledger as a list to read: each line with its item, location, batch and the running
balance of its (item, location, batch) right after it.

The balance is computed in the database, per line of the page: the level of the line's
(item, location, batch) now, less every later line of the same triple. A newest-first page
reads only the lines after it, so the first pages (those people look at) are cheap however
long the history is; the page stays one statement whatever its rows (no N+1).
Lines are ordered by (posted_at, id); the level is always the sum of all lines, so the
balance after the newest line equals the level.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.models import Item, Unit
from landkontor.common.pagination import PageParams
from landkontor.inventory.models import Batch, LedgerEntry, Location, StockLevel, StockMovement
from landkontor.inventory.queries import ledger_query


def ledger_with_balance(
    session: Session, params: PageParams, **filters: Any
) -> tuple[list[Any], int]:
    """One page of ledger lines, newest first (filters as ``queries.ledger_query``).

    Each row carries the ledger line (``row[0]``), its movement's type, reference,
    document and poster, and ``item_no``, ``item_name``, ``unit``, ``location_code``,
    ``batch_no``, ``reverses_id``, ``reversed_by`` (the reversal's movement id, if any)
    and ``balance`` (of its item, location and batch after the line, in the base unit).
    """
    base = ledger_query(session, **filters)
    total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0

    later = aliased(LedgerEntry)
    newer = (
        select(func.coalesce(func.sum(later.quantity), 0))
        .where(
            later.item_id == LedgerEntry.item_id,
            later.location_id == LedgerEntry.location_id,
            func.coalesce(later.batch_id, 0) == func.coalesce(LedgerEntry.batch_id, 0),
            tuple_(later.posted_at, later.id) > tuple_(LedgerEntry.posted_at, LedgerEntry.id),
        )
        .scalar_subquery()
    )
    level = (
        select(StockLevel.quantity)
        .where(
            StockLevel.item_id == LedgerEntry.item_id,
            StockLevel.location_id == LedgerEntry.location_id,
            StockLevel.batch_key == func.coalesce(LedgerEntry.batch_id, 0),
        )
        .scalar_subquery()
    )
    reversal = aliased(StockMovement)
    reversed_by = (
        select(reversal.id).where(reversal.reverses_id == StockMovement.id).scalar_subquery()
    )
    # The page's lines first (the filters, the order and LIMIT on the ledger alone), then
    # names and balances for those lines only.
    page = base.with_only_columns(LedgerEntry.id).limit(params.limit).offset(params.offset)
    place = aliased(Location)
    stmt = (
        base.where(LedgerEntry.id.in_(page.scalar_subquery()))
        .join(Item, Item.id == LedgerEntry.item_id)
        .join(Unit, Unit.id == Item.base_unit_id)
        .join(place, place.id == LedgerEntry.location_id)
        .outerjoin(Batch, Batch.id == LedgerEntry.batch_id)
        .add_columns(
            Item.item_no,
            Item.name.label("item_name"),
            Unit.code.label("unit"),
            place.code.label("location_code"),
            Batch.batch_no,
            StockMovement.reverses_id,
            reversed_by.label("reversed_by"),
            (func.coalesce(level, 0) - newer).label("balance"),
        )
    )
    rows = list(session.execute(stmt).all())
    return rows, total
