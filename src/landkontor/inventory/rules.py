"""Rules of stock as plain functions: batch usability, best-before, FEFO, moving average.

No database access here; the services feed these with loaded rows, and unit tests check them
directly. Where the database must select by the same rule (usable stock), the SQL filter is
built here too, beside the rule it mirrors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, not_, or_

from landkontor.common.money import round_unit_price, round_value
from landkontor.inventory.models import Batch, BatchStatus, Location

ZERO = Decimal(0)


def is_expired(best_before: date | None, today: date) -> bool:
    """Best-before means good through that day; expired from the day after."""
    return best_before is not None and today > best_before


def default_best_before(start: date | None, shelf_life_days: int | None) -> date | None:
    if start is None or shelf_life_days is None:
        return None
    return start + timedelta(days=shelf_life_days)


def unusable_reason(status: BatchStatus, best_before: date | None, today: date) -> str | None:
    """Why stock of a batch must not be issued or delivered, or None if it may."""
    if status == BatchStatus.recalled:
        return "recalled"
    if status == BatchStatus.blocked:
        return "blocked"
    if is_expired(best_before, today):
        return f"expired on {best_before.isoformat()}"  # type: ignore[union-attr]
    return None


def usable_stock_condition(today: date) -> Any:
    """SQL: a stock level (joined to its ``Location`` and, outer, its ``Batch``) may be issued
    — its location is not blocked and its batch, if any, is released and not expired.
    The set form of :func:`unusable_reason` plus the blocked location."""
    return and_(
        Location.blocked.is_(False),
        or_(
            Batch.id.is_(None),
            and_(
                Batch.status == BatchStatus.released,
                or_(Batch.best_before.is_(None), Batch.best_before >= today),
            ),
        ),
    )


def unusable_stock_condition(today: date) -> Any:
    """SQL: the stock :func:`usable_stock_condition` excludes."""
    return not_(usable_stock_condition(today))


def fefo_key(best_before: date | None, batch_no: str | None, location_code: str) -> tuple:
    """First expired, first out: earliest best-before first, batches without a date last."""
    return (best_before is None, best_before or date.max, batch_no or "", location_code)


@dataclass(frozen=True)
class StockRow:
    """Usable stock of one item on one location, of one batch (or none)."""

    location_id: int
    location_code: str
    batch_id: int | None
    batch_no: str | None
    best_before: date | None
    quantity: Decimal


@dataclass(frozen=True)
class Allocation:
    """A quantity taken from one stock row."""

    row: StockRow
    quantity: Decimal


class FefoStock:
    """Usable stock rows of an item, handed out first expired, first out.

    Each :meth:`take` allocates from what earlier takes left, so several requests (lines of
    one delivery) never take the same stock twice."""

    def __init__(self, rows: Iterable[StockRow]) -> None:
        self.rows = sorted(rows, key=lambda r: fefo_key(r.best_before, r.batch_no, r.location_code))
        self._taken: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)

    def take(
        self,
        quantity: Decimal,
        *,
        batch_id: int | None = None,
        location_id: int | None = None,
    ) -> tuple[list[Allocation], Decimal]:
        """Allocate ``quantity`` (only of ``batch_id`` / from ``location_id`` when given).
        Returns the allocations in FEFO order and the shortage (0 when all was found)."""
        allocations: list[Allocation] = []
        remaining = quantity
        for row in self.rows:
            if remaining <= 0:
                break
            if batch_id not in (None, row.batch_id) or location_id not in (None, row.location_id):
                continue
            key = (row.location_id, row.batch_id)
            share = min(remaining, row.quantity - self._taken[key])
            if share <= 0:
                continue
            self._taken[key] += share
            remaining -= share
            allocations.append(Allocation(row, share))
        return allocations, remaining


def allocate_fefo(
    rows: Iterable[StockRow],
    quantity: Decimal,
    *,
    batch_id: int | None = None,
    location_id: int | None = None,
) -> tuple[list[Allocation], Decimal]:
    """Allocate ``quantity`` from ``rows`` first expired, first out: (allocations, shortage)."""
    return FefoStock(rows).take(quantity, batch_id=batch_id, location_id=location_id)


@dataclass
class CostState:
    """Moving-average state of one item: quantity and value on hand (all warehouses)."""

    quantity: Decimal
    value: Decimal
    average_cost: Decimal

    def inflow(
        self, quantity: Decimal, unit_cost: Decimal | None, value: Decimal | None = None
    ) -> tuple[Decimal, Decimal]:
        """Stock comes in at ``unit_cost`` (None: at the current average), or with an exact
        total ``value`` (production and mixing carry their inputs' value over unchanged).

        Returns (unit cost used, line value) and moves the average.
        """
        if value is not None:
            unit_cost = round_unit_price(value / quantity)
        cost = self.average_cost if unit_cost is None else unit_cost
        if value is not None:
            value = round_value(value)
        elif self.quantity + quantity == 0:
            value = -self.value  # back to zero from negative stock: nothing may remain
        else:
            value = round_value(quantity * cost)
        self._apply(quantity, value)
        if unit_cost is not None and self.quantity > 0 and self.quantity == quantity:
            # First stock after being empty: the average is exactly this receipt's cost.
            self.average_cost = round_unit_price(unit_cost)
        return cost, value

    def outflow(self, quantity: Decimal) -> tuple[Decimal, Decimal]:
        """Stock goes out at the current average. The last unit takes the remaining value,
        so no value is left behind on zero quantity. Returns (unit cost, negative value)."""
        cost = self.average_cost
        if self.quantity == quantity:
            value = -self.value
        else:
            value = -round_value(quantity * cost)
        self._apply(-quantity, value)
        return cost, value

    def _apply(self, quantity: Decimal, value: Decimal) -> None:
        self.quantity += quantity
        self.value += value
        if self.quantity > 0:
            self.average_cost = round_unit_price(self.value / self.quantity)
