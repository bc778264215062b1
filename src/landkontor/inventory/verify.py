"""Proof that levels and item costs equal the sums of the ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from landkontor.db.types import MONEY_SCALE, QUANTITY_SCALE
from landkontor.inventory.models import ItemCost, LedgerEntry, StockLevel

ZERO = Decimal(0)


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "level" or "cost"
    item_id: int
    location_id: int | None
    batch_id: int | None
    recorded_quantity: Decimal
    ledger_quantity: Decimal
    recorded_value: Decimal | None = None
    ledger_value: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


def _differs(recorded: Any, ledger: Any, scale: int) -> Any:
    """Unequal at the columns' scale. (SQLite sums NUMERIC as binary floating point, so
    equal books may differ by a residue like 1e-12 there; PostgreSQL sums exactly.)"""
    return func.round(recorded - ledger, scale) != 0


def _level_mismatches(session: Session) -> list[Mismatch]:
    batch_key = func.coalesce(LedgerEntry.batch_id, 0)
    both = union_all(
        select(
            StockLevel.item_id,
            StockLevel.location_id,
            StockLevel.batch_key,
            StockLevel.quantity.label("recorded"),
            literal(ZERO).label("ledger"),
        ),
        select(
            LedgerEntry.item_id,
            LedgerEntry.location_id,
            batch_key,
            literal(ZERO),
            func.sum(LedgerEntry.quantity),
        ).group_by(LedgerEntry.item_id, LedgerEntry.location_id, batch_key),
    ).subquery()
    recorded = func.sum(both.c.recorded)
    ledger = func.sum(both.c.ledger)
    stmt = (
        select(both.c.item_id, both.c.location_id, both.c.batch_key, recorded, ledger)
        .group_by(both.c.item_id, both.c.location_id, both.c.batch_key)
        .having(_differs(recorded, ledger, QUANTITY_SCALE))
    )
    return [
        Mismatch("level", item, location, key or None, Decimal(rec), Decimal(led))
        for item, location, key, rec, led in session.execute(stmt)
    ]


def _cost_mismatches(session: Session) -> list[Mismatch]:
    both = union_all(
        select(
            ItemCost.item_id,
            ItemCost.quantity.label("rq"),
            ItemCost.value.label("rv"),
            literal(ZERO).label("lq"),
            literal(ZERO).label("lv"),
        ),
        select(
            LedgerEntry.item_id,
            literal(ZERO),
            literal(ZERO),
            func.sum(LedgerEntry.quantity),
            func.sum(LedgerEntry.value),
        ).group_by(LedgerEntry.item_id),
    ).subquery()
    rq, rv, lq, lv = (func.sum(c) for c in (both.c.rq, both.c.rv, both.c.lq, both.c.lv))
    stmt = (
        select(both.c.item_id, rq, lq, rv, lv)
        .group_by(both.c.item_id)
        .having(_differs(rq, lq, QUANTITY_SCALE) | _differs(rv, lv, MONEY_SCALE))
    )
    return [
        Mismatch("cost", item, None, None, Decimal(a), Decimal(b), Decimal(c), Decimal(d))
        for item, a, b, c, d in session.execute(stmt)
    ]


def verify_stock(session: Session) -> list[Mismatch]:
    """Recompute every level and every item's quantity and value from the ledger.

    Returns the mismatches (empty when the books are consistent). Read-only.
    """
    return _level_mismatches(session) + _cost_mismatches(session)
