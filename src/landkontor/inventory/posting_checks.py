"""Checking a posting request and turning its lines into level changes (no writes).

The rules: quantities convert exactly to the base unit; batch-managed items need a batch;
only leaf locations take stock; blocked locations and locations under count refuse what the
rules say; issues need a usable batch.

:func:`deltas_for` loads what the lines name (items, locations, batches: one query each) and
converts quantities; the decision for each line is :func:`line_deltas`, a pure function of
what was loaded (unit tests: ``tests/unit/test_posting_rules.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.models import Item, Unit
from landkontor.catalog.service import Converted, to_base_quantity
from landkontor.catalog.units import exact_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch, missing
from landkontor.common.money import round_unit_price
from landkontor.db.session import settings_of
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory.errors import (
    BatchNotUsable,
    LocationNotLeaf,
    LocationNotUsable,
)
from landkontor.inventory.models import (
    Batch,
    BatchStatus,
    Location,
    MovementType,
    StocktakeLocation,
)
from landkontor.inventory.posting_types import Delta, ItemInfo, PostingLine, Valuation
from landkontor.inventory.rules import unusable_reason

_items = Item.__table__.c
_ITEMS = (
    select(
        _items.id,
        _items.item_no,
        _items.batch_managed,
        _items.active,
        _items.allow_negative_stock,
        Unit.__table__.c.code.label("unit"),
    )
    .join(Unit.__table__, Unit.__table__.c.id == _items.base_unit_id)
    .where(_items.id.in_(bindparam("ids", expanding=True)))
)


def _load_items(session: Session, ids: set[int]) -> dict[int, ItemInfo]:
    rows = session.connection().execute(_ITEMS, {"ids": list(ids)})
    return {row.id: ItemInfo(*row) for row in rows}


def _to_base(
    session: Session, item: ItemInfo, quantity: Decimal, unit: str | None, field: str
) -> Converted:
    if unit is None or unit == item.unit:
        return Converted(exact_quantity(quantity, field=field), item.unit)
    full = fetch(session, Item, item.id, kind="item")
    return to_base_quantity(session, full, quantity, unit, field=field)


@dataclass(frozen=True)
class LocationInfo:
    """What a posting needs to know of a location."""

    location: Any  # a row with id, code, blocked, allow_negative_stock (or a Location)
    is_leaf: bool
    counting: bool  # part of an open stocktake


def _field(index: int, name: str) -> str:
    return f"lines[{index}].{name}"


_child = aliased(Location)
_locations = Location.__table__.c
# Built once: the locations of a posting, whether each has children, whether it is counted.
_LOCATIONS = select(
    _locations.id,
    _locations.code,
    _locations.blocked,
    _locations.allow_negative_stock,
    exists().where(_child.parent_id == _locations.id).label("has_children"),
    exists()
    .where(StocktakeLocation.location_id == _locations.id, StocktakeLocation.open_lock.is_not(None))
    .label("counting"),
).where(_locations.id.in_(bindparam("ids", expanding=True)))


def _load_locations(session: Session, ids: set[int]) -> dict[int, LocationInfo]:
    rows = session.connection().execute(_LOCATIONS, {"ids": list(ids)}).all()
    return {row.id: LocationInfo(row, not row.has_children, row.counting) for row in rows}


def _load_batches(session: Session, ids: set[int]) -> dict[int, Batch]:
    if not ids:
        return {}
    return {b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(ids)))}


def deltas_for(
    session: Session,
    movement_type: MovementType,
    lines: list[PostingLine],
    *,
    stocktake: bool,
) -> list[Delta]:
    """Validate request lines and turn them into level changes (no writes yet)."""
    location_ids = {line.location_id for line in lines} | {
        line.to_location_id for line in lines if line.to_location_id is not None
    }
    locations = _load_locations(session, location_ids)
    items = _load_items(session, {line.item_id for line in lines})
    batches = _load_batches(session, {line.batch_id for line in lines if line.batch_id})
    today = business_today(settings_of(session))
    deltas: list[Delta] = []
    for index, line in enumerate(lines):
        item = items.get(line.item_id)
        if item is None:
            raise InvalidInput(
                f"item {line.item_id} does not exist", field=_field(index, "item_id")
            )
        qty_field = _field(index, "quantity")
        check_quantity(movement_type, line.quantity, qty_field)
        converted = _to_base(session, item, abs(line.quantity), line.unit, qty_field)
        deltas.extend(
            line_deltas(
                movement_type,
                line,
                index,
                item,
                converted,
                locations,
                batches,
                today=today,
                stocktake=stocktake,
            )
        )
    return deltas


def check_quantity(movement_type: MovementType, quantity: Decimal, field: str) -> None:
    """A line's quantity as entered: positive (an adjustment: not zero), at most the
    stored decimals."""
    if quantity == 0 or (quantity < 0 and movement_type != MovementType.adjustment):
        raise InvalidInput(
            "quantity must be positive"
            if movement_type != MovementType.adjustment
            else "an adjustment quantity must not be zero",
            field=field,
        )
    exact_quantity(quantity, field=field)


def line_deltas(
    movement_type: MovementType,
    line: PostingLine,
    index: int,
    item: ItemInfo,
    converted: Converted,
    locations: Mapping[int, LocationInfo],
    batches: Mapping[int, Batch],
    *,
    today: date,
    stocktake: bool,
) -> list[Delta]:
    """The level changes of one checked line (two for a transfer): pure, from what
    :func:`deltas_for` loaded and the line's quantity in the base unit (``converted``).

    Raises InvalidInput, InvalidState (inactive item), LocationNotLeaf, LocationNotUsable,
    BatchNotUsable naming the line's field.
    """
    qty_field = _field(index, "quantity")
    sign = -1 if line.quantity < 0 else 1
    base = converted.quantity * sign
    if base == 0:
        raise InvalidInput("quantity is zero in the base unit", field=qty_field)
    incoming = movement_type == MovementType.receipt or (
        movement_type == MovementType.adjustment and base > 0
    )
    is_issue = movement_type == MovementType.issue
    if (line.unit_cost is not None or line.value is not None) and not incoming:
        raise InvalidInput(
            "unit_cost is only for stock coming in", field=_field(index, "unit_cost")
        )
    if incoming and not item.active:
        raise InvalidState(f"item {item.item_no} is inactive", field=_field(index, "item_id"))
    unit_cost = None
    if line.unit_cost is not None:
        unit_cost = round_unit_price(line.unit_cost * abs(line.quantity) / converted.quantity)
    location = _check_location(
        locations.get(line.location_id),
        line.location_id,
        incoming=incoming,
        issue=is_issue,
        field=_field(index, "location_id"),
        stocktake=stocktake,
    )
    batch = _check_batch(
        item,
        line.batch_id,
        batches,
        index,
        usable_on=today if is_issue else None,
        incoming=incoming,
    )
    if movement_type == MovementType.transfer:
        return _transfer_deltas(
            line, index, item, location, batch, converted, locations, stocktake=stocktake
        )
    if line.to_location_id is not None:
        raise InvalidInput(
            "to_location_id is only for transfers", field=_field(index, "to_location_id")
        )
    return [
        Delta(
            item=item,
            location=location,
            batch=batch,
            quantity=base if not is_issue else -base,
            entered_quantity=line.quantity if not is_issue else -line.quantity,
            entered_unit=converted.unit,
            valuation=Valuation.inflow if incoming else Valuation.outflow,
            unit_cost=unit_cost,
            value=line.value if incoming else None,
        )
    ]


def _check_location(
    info: LocationInfo | None,
    location_id: int,
    *,
    incoming: bool,
    issue: bool,
    field: str,
    stocktake: bool,
) -> Any:
    if info is None:
        raise InvalidInput(f"location {location_id} does not exist", field=field)
    location = info.location
    if not info.is_leaf:
        raise LocationNotLeaf(
            f"location {location.code} has sub-locations; only leaf locations take stock",
            field=field,
        )
    if info.counting and not stocktake:
        raise LocationNotUsable(
            f"location {location.code} is being counted (open stocktake); post after it",
            field=field,
        )
    if location.blocked and (incoming or issue) and not stocktake:
        raise LocationNotUsable(f"location {location.code} is blocked", field=field)
    return location


def _check_batch(
    item: ItemInfo,
    batch_id: int | None,
    batches: Mapping[int, Batch],
    index: int,
    *,
    usable_on: date | None,
    incoming: bool,
) -> Batch | None:
    """The line's batch; ``usable_on``: the day it must be usable (issues)."""
    field_name = _field(index, "batch_id")
    if not item.batch_managed:
        if batch_id is not None:
            raise InvalidInput(f"item {item.item_no} is not batch-managed", field=field_name)
        return None
    if batch_id is None:
        raise InvalidInput(
            f"item {item.item_no} is batch-managed: every line needs a batch", field=field_name
        )
    batch = batches.get(batch_id)
    if batch is None:
        raise missing("batch", batch_id, field_name)
    if batch.item_id != item.id:
        raise InvalidInput(
            f"batch {batch.batch_no} belongs to another item than {item.item_no}",
            field=field_name,
        )
    if usable_on is not None:
        reason = unusable_reason(batch.status, batch.best_before, usable_on)
        if reason:
            raise BatchNotUsable(
                f"batch {batch.batch_no} of item {item.item_no} is {reason} and cannot be issued",
                field=field_name,
                batch_id=batch.id,
                reason=reason,
            )
    if incoming and batch.status == BatchStatus.recalled:
        raise BatchNotUsable(
            f"batch {batch.batch_no} is recalled and takes no new stock", field=field_name
        )
    return batch


def _transfer_deltas(
    line: PostingLine,
    index: int,
    item: ItemInfo,
    source: Any,
    batch: Batch | None,
    converted: Converted,
    locations: Mapping[int, LocationInfo],
    *,
    stocktake: bool,
) -> list[Delta]:
    to_field = _field(index, "to_location_id")
    if line.to_location_id is None:
        raise InvalidInput("a transfer needs to_location_id", field=to_field)
    if line.to_location_id == line.location_id:
        raise InvalidInput("a transfer needs two different locations", field=to_field)
    target = _check_location(
        locations.get(line.to_location_id),
        line.to_location_id,
        incoming=True,
        issue=False,
        field=to_field,
        stocktake=stocktake,
    )
    incoming = Delta(
        item, target, batch, converted.quantity, line.quantity, converted.unit, Valuation.fixed
    )
    outgoing = Delta(
        item,
        source,
        batch,
        -converted.quantity,
        -line.quantity,
        converted.unit,
        Valuation.fixed,
        pair=incoming,
    )
    return [outgoing, incoming]
