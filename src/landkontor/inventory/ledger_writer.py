"""Writing a posting: header, ledger lines, stock levels and moving-average costs.

Core statements on the session's connection, built once per dialect, keep a posting to a
handful of round trips. Called only by :mod:`landkontor.inventory.posting`, with the level
changes (:class:`~landkontor.inventory.posting_types.Delta`) the checks made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.orm import Session

from landkontor.catalog.units import exact_quantity
from landkontor.common.money import round_unit_price, round_value
from landkontor.db.base import table_of
from landkontor.db.types import QUANTITY_SCALE
from landkontor.db.upsert import insert_for
from landkontor.inventory.errors import InsufficientStock
from landkontor.inventory.models import ItemCost, LedgerEntry, StockLevel, StockMovement
from landkontor.inventory.posting_types import Delta, Valuation
from landkontor.inventory.rules import CostState

ZERO = Decimal(0)


_UPSERTS: dict[str, Any] = {}
_UPDATE_COST = (
    update(table_of(ItemCost))
    .where(table_of(ItemCost).c.item_id == bindparam("id"))
    .values(quantity=bindparam("q"), value=bindparam("v"), average_cost=bindparam("a"))
)


def _upserts(session: Session) -> tuple[Any, Any]:
    """The cost-row lock and the level change as statements built once per dialect."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        lock = insert_for(session, ItemCost).values(
            item_id=bindparam("item_id"), quantity=ZERO, value=ZERO, average_cost=ZERO
        )
        lock = lock.on_conflict_do_update(
            index_elements=[ItemCost.item_id], set_={"item_id": lock.excluded.item_id}
        ).returning(ItemCost.quantity, ItemCost.value, ItemCost.average_cost)
        level = insert_for(session, StockLevel).values(
            item_id=bindparam("item_id"),
            location_id=bindparam("location_id"),
            batch_id=bindparam("batch_id"),
            batch_key=bindparam("batch_key"),
            quantity=bindparam("quantity"),
            updated_at=bindparam("now"),
        )
        level = level.on_conflict_do_update(
            index_elements=[StockLevel.item_id, StockLevel.location_id, StockLevel.batch_key],
            set_={
                # Rounded to the column's scale: SQLite adds NUMERIC as binary floating
                # point, and a residue like 1e-15 would count as stock (FEFO would pick 0).
                "quantity": func.round(
                    StockLevel.quantity + level.excluded.quantity, QUANTITY_SCALE
                ),
                "updated_at": level.excluded.updated_at,
            },
        ).returning(StockLevel.quantity)
        _UPSERTS[dialect] = (lock, level)
    return _UPSERTS[dialect]


def _lock_costs(session: Session, item_ids: list[int]) -> dict[int, CostState]:
    """Lock (creating if needed) the cost rows of the items, in id order."""
    lock, _ = _upserts(session)
    states: dict[int, CostState] = {}
    for item_id in sorted(set(item_ids)):
        quantity, value, average = session.connection().execute(lock, {"item_id": item_id}).one()
        states[item_id] = CostState(quantity, value, average)
    return states


def _value(delta: Delta, state: CostState) -> None:
    """Fill unit cost and value of a delta from the item's moving-average state."""
    if delta.valuation is Valuation.inflow:
        delta.unit_cost, delta.value = state.inflow(delta.quantity, delta.unit_cost, delta.value)
    elif delta.valuation is Valuation.outflow:
        delta.unit_cost, delta.value = state.outflow(-delta.quantity)
    else:
        if delta.value is None:  # outgoing half of a transfer: value both halves
            moved = -delta.quantity
            value = (
                state.value if moved == state.quantity else round_value(moved * state.average_cost)
            )
            delta.unit_cost, delta.value = state.average_cost, -value
            if delta.pair is not None:
                delta.pair.unit_cost, delta.pair.value = state.average_cost, value
        state.quantity += delta.quantity
        state.value += delta.value


def _apply_level(session: Session, delta: Delta, now: Any) -> None:
    _, level = _upserts(session)
    batch_id = delta.batch.id if delta.batch else None
    new_quantity = (
        session.connection()
        .execute(
            level,
            {
                "item_id": delta.item.id,
                "location_id": delta.location.id,
                "batch_id": batch_id,
                "batch_key": batch_id or 0,
                "quantity": delta.quantity,
                "now": now,
            },
        )
        .scalar_one()
    )
    negative_allowed = delta.item.allow_negative_stock or delta.location.allow_negative_stock
    if delta.quantity < 0 and new_quantity < 0 and not negative_allowed:
        available = new_quantity - delta.quantity
        unit = delta.item.unit
        batch = f" batch {delta.batch.batch_no}" if delta.batch else ""
        raise InsufficientStock(
            f"only {available.normalize():f} {unit} of item {delta.item.item_no}{batch} at "
            f"location {delta.location.code}; {(-delta.quantity).normalize():f} {unit} needed",
            item_id=delta.item.id,
            location_id=delta.location.id,
            batch_id=delta.batch.id if delta.batch else None,
            available=str(available),
            requested=str(-delta.quantity),
        )


_MOVEMENTS = table_of(StockMovement)
_LEDGER = table_of(LedgerEntry)
_INSERT_MOVEMENT = insert(_MOVEMENTS).returning(_MOVEMENTS.c.id)
_INSERT_LINES = insert(_LEDGER).returning(_LEDGER.c.id, sort_by_parameter_order=True)
_HEADER_COLUMNS = [c.key for c in _MOVEMENTS.c if c.key != "id"]


def write_movement(
    session: Session,
    movement: StockMovement,
    deltas: list[Delta],
) -> StockMovement:
    """Write header, levels, costs and ledger lines. Core statements on the session's
    connection keep a posting to a handful of round trips; the returned movement is a
    snapshot of what was written (not attached to the session)."""
    connection = session.connection()
    # The header first: its idempotency key and reverses_id are unique, so a duplicate
    # waits for and then fails on the first one before any stock is touched.
    header = {key: getattr(movement, key) for key in _HEADER_COLUMNS}
    movement.id = connection.execute(_INSERT_MOVEMENT, header).scalar_one()
    states = _lock_costs(session, [d.item.id for d in deltas])
    now = movement.posted_at
    for delta in deltas:
        _value(delta, states[delta.item.id])
        _apply_level(session, delta, now)
    rows = [
        {
            "movement_id": movement.id,
            "line_no": number,
            "item_id": d.item.id,
            "location_id": d.location.id,
            "batch_id": d.batch.id if d.batch else None,
            # Stored scales, so a posting reads back exactly as it was returned.
            "quantity": exact_quantity(d.quantity),
            "unit_cost": round_unit_price(d.unit_cost or ZERO),
            "value": round_value(d.value or ZERO),
            "entered_quantity": exact_quantity(d.entered_quantity),
            "entered_unit": d.entered_unit,
            "posted_at": now,
        }
        for number, d in enumerate(deltas, start=1)
    ]
    ids = connection.execute(_INSERT_LINES, rows).scalars().all()
    connection.execute(
        _UPDATE_COST,
        [
            {"id": item_id, "q": st.quantity, "v": st.value, "a": st.average_cost}
            for item_id, st in states.items()
        ],
    )
    movement.lines = [LedgerEntry(id=i, **row) for i, row in zip(ids, rows, strict=True)]
    return movement
