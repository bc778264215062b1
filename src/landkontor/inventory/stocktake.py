"""Stocktaking (Inventur): open a count, enter counted quantities, post the differences.

While a stocktake is open its locations take no other postings, so the frozen expected
quantities stay true; the posted differences are adjustments referencing the stocktake,
computed against the levels at posting time (under the items' locks).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from landkontor.catalog.models import Item, Unit
from landkontor.catalog.service import to_base_quantity
from landkontor.common.lookup import fetch, locked
from landkontor.common.pagination import PageParams, paginate_rows
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.errors import AlreadyExists, InvalidInput, InvalidState
from landkontor.inventory.models import (
    Batch,
    Location,
    MovementType,
    StockLevel,
    Stocktake,
    StocktakeLine,
    StocktakeLocation,
    StocktakeStatus,
    Warehouse,
)
from landkontor.inventory.posting import PostingLine, post_movement
from landkontor.inventory.schemas import CountsIn, StocktakeCreate, StocktakeLineOut, StocktakeOut

DOCUMENT_TYPE = "stocktake"


def get_stocktake(session: Session, stocktake_id: int, *, lock: bool = False) -> Stocktake:
    return fetch(session, Stocktake, stocktake_id, kind="stocktake", lock=lock)


def stocktake_out(stocktake: Stocktake) -> StocktakeOut:
    lines = []
    for line in stocktake.lines:
        out = StocktakeLineOut.model_validate(line)
        if line.counted_quantity is not None:
            out.difference = line.counted_quantity - line.expected_quantity
        lines.append(out)
    return StocktakeOut(
        id=stocktake.id,
        warehouse_id=stocktake.warehouse_id,
        status=stocktake.status,
        note=stocktake.note,
        opened_by=stocktake.opened_by,
        created_at=stocktake.created_at,
        posted_by=stocktake.posted_by,
        posted_at=stocktake.posted_at,
        movement_id=stocktake.movement_id,
        location_ids=sorted(loc.location_id for loc in stocktake.locations),
        lines=lines,
    )


def _leaf_locations(session: Session, location_ids: list[int]) -> list[Location]:
    """The given locations, each parent replaced by all leaf locations below it."""
    roots = {
        loc.id: loc
        for loc in session.scalars(select(Location).where(Location.id.in_(location_ids)))
    }
    missing = sorted(set(location_ids) - roots.keys())
    if missing:
        raise InvalidInput(f"locations {missing} do not exist", field="location_ids")
    if len({loc.warehouse_id for loc in roots.values()}) > 1:
        raise InvalidInput("a stocktake covers locations of one warehouse", field="location_ids")
    leaves: dict[int, Location] = {}
    for root in roots.values():
        subtree = list(session.scalars(select(Location).where(Location.path.startswith(root.path))))
        parents = {loc.parent_id for loc in subtree}
        for loc in subtree:
            if loc.id not in parents:
                leaves[loc.id] = loc
    return sorted(leaves.values(), key=lambda loc: loc.path)


@use_case
def open_stocktake(session: Session, data: StocktakeCreate, *, actor: str) -> Stocktake:
    """Open a count for locations (parents stand for their leaves); freezes expected stock.

    AlreadyExists if a location is already being counted.
    """
    locations = _leaf_locations(session, data.location_ids)
    ids = [loc.id for loc in locations]
    busy = session.execute(
        select(StocktakeLocation.location_id, StocktakeLocation.stocktake_id).where(
            StocktakeLocation.location_id.in_(ids), StocktakeLocation.open_lock.is_not(None)
        )
    ).first()
    if busy is not None:
        raise AlreadyExists(
            f"location {busy.location_id} is being counted in stocktake {busy.stocktake_id}",
            field="location_ids",
        )
    stocktake = Stocktake(warehouse_id=locations[0].warehouse_id, note=data.note, opened_by=actor)
    stocktake.locations = [StocktakeLocation(location_id=i, open_lock=i) for i in ids]
    levels_query = (
        select(StockLevel)
        .where(StockLevel.location_id.in_(ids), StockLevel.quantity != 0)
        .order_by(StockLevel.location_id, StockLevel.item_id, StockLevel.batch_key)
    )
    levels = session.scalars(locked(levels_query, of=StockLevel))
    stocktake.lines = [
        StocktakeLine(
            item_id=level.item_id,
            location_id=level.location_id,
            batch_id=level.batch_id,
            batch_key=level.batch_key,
            expected_quantity=level.quantity,
        )
        for level in levels
    ]
    session.add(stocktake)
    session.flush()
    return stocktake


@use_case
def record_counts(session: Session, stocktake_id: int, data: CountsIn, *, actor: str) -> Stocktake:
    """Enter counted quantities; a count for stock nobody expected adds a line."""
    stocktake = get_stocktake(session, stocktake_id, lock=True)
    if stocktake.status != StocktakeStatus.open:
        raise InvalidState(f"stocktake {stocktake_id} is {stocktake.status.value}")
    counted_locations = {loc.location_id for loc in stocktake.locations}
    lines = {(ln.item_id, ln.location_id, ln.batch_key): ln for ln in stocktake.lines}
    for index, count in enumerate(data.counts):
        prefix = f"counts[{index}]"
        if count.location_id not in counted_locations:
            raise InvalidInput(
                f"location {count.location_id} is not part of this stocktake",
                field=f"{prefix}.location_id",
            )
        item = fetch(session, Item, count.item_id, kind="item", field=f"{prefix}.item_id")
        if item.batch_managed != (count.batch_id is not None):
            raise InvalidInput(
                f"item {item.item_no} is {'' if item.batch_managed else 'not '}batch-managed",
                field=f"{prefix}.batch_id",
            )
        if count.batch_id is not None:
            batch = fetch(session, Batch, count.batch_id, kind="batch", field=f"{prefix}.batch_id")
            if batch.item_id != item.id:
                raise InvalidInput(
                    f"batch {count.batch_id} is not a batch of item {item.item_no}",
                    field=f"{prefix}.batch_id",
                )
        quantity = to_base_quantity(
            session, item, count.counted_quantity, count.unit, field=f"{prefix}.counted_quantity"
        ).quantity
        key = (item.id, count.location_id, count.batch_id or 0)
        line = lines.get(key)
        if line is None:
            line = StocktakeLine(
                item_id=item.id,
                location_id=count.location_id,
                batch_id=count.batch_id,
                batch_key=count.batch_id or 0,
                expected_quantity=Decimal(0),
            )
            stocktake.lines.append(line)
            lines[key] = line
        line.counted_quantity = quantity
        line.counted_by = actor
    session.flush()
    return stocktake


def _release_locations(stocktake: Stocktake) -> None:
    for location in stocktake.locations:
        location.open_lock = None


@use_case
def post_stocktake(session: Session, stocktake_id: int, *, actor: str) -> Stocktake:
    """Post the differences as one adjustment movement and close the stocktake.

    Every line must be counted (count 0 for stock that is gone). The difference posted per
    line is counted - level at posting time.
    """
    stocktake = get_stocktake(session, stocktake_id, lock=True)
    if stocktake.status != StocktakeStatus.open:
        raise InvalidState(f"stocktake {stocktake_id} is {stocktake.status.value}")
    uncounted = [ln.id for ln in stocktake.lines if ln.counted_quantity is None]
    if uncounted:
        raise InvalidInput(
            f"{len(uncounted)} lines are not counted yet (lines {uncounted[:20]}); "
            "enter 0 for stock that is gone",
            field="counts",
        )
    postings = []
    for line in stocktake.lines:
        level = session.scalar(
            select(StockLevel.quantity).where(
                StockLevel.item_id == line.item_id,
                StockLevel.location_id == line.location_id,
                StockLevel.batch_key == line.batch_key,
            )
        ) or Decimal(0)
        difference = line.counted_quantity - level  # type: ignore[operator]
        if difference:
            postings.append(
                PostingLine(
                    item_id=line.item_id,
                    location_id=line.location_id,
                    batch_id=line.batch_id,
                    quantity=difference,
                )
            )
    if postings:
        movement = post_movement(
            session,
            MovementType.adjustment,
            postings,
            actor=actor,
            reference=f"INV-{stocktake.id}",
            reason=f"stocktake {stocktake.id}",
            document_type=DOCUMENT_TYPE,
            document_id=stocktake.id,
            stocktake=True,
        )
        stocktake.movement_id = movement.id
    stocktake.status = StocktakeStatus.posted
    stocktake.posted_by = actor
    stocktake.posted_at = utcnow()
    _release_locations(stocktake)
    session.flush()
    return stocktake


@use_case
def cancel_stocktake(session: Session, stocktake_id: int) -> Stocktake:
    stocktake = get_stocktake(session, stocktake_id, lock=True)
    if stocktake.status != StocktakeStatus.open:
        raise InvalidState(f"stocktake {stocktake_id} is {stocktake.status.value}")
    stocktake.status = StocktakeStatus.cancelled
    _release_locations(stocktake)
    session.flush()
    return stocktake


def list_stocktakes(
    session: Session, params: PageParams, *, status: StocktakeStatus | None = None
) -> tuple[list[Any], int]:
    """Stocktakes, newest first, with their warehouse code, how many lines they have and
    how many of those are counted (one statement per page)."""
    lines = (
        select(
            StocktakeLine.stocktake_id,
            func.count().label("lines"),
            func.count(StocktakeLine.counted_quantity).label("counted"),
        )
        .group_by(StocktakeLine.stocktake_id)
        .subquery()
    )
    stmt = (
        select(
            Stocktake,
            Warehouse.code.label("warehouse_code"),
            func.coalesce(lines.c.lines, 0).label("lines"),
            func.coalesce(lines.c.counted, 0).label("counted"),
        )
        .join(Warehouse, Warehouse.id == Stocktake.warehouse_id)
        .outerjoin(lines, lines.c.stocktake_id == Stocktake.id)
        .options(lazyload(Stocktake.locations), lazyload(Stocktake.lines))
        .order_by(Stocktake.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Stocktake.status == status)
    return paginate_rows(session, stmt, params)


def count_sheet(session: Session, stocktake_id: int) -> list[Any]:
    """The lines of a stocktake as a count sheet, in location order (the walk through the
    warehouse): the line, its item number, name and base unit, location code and batch."""
    stmt = (
        select(
            StocktakeLine,
            Item.item_no,
            Item.name.label("item_name"),
            Unit.code.label("unit"),
            Location.code.label("location_code"),
            Batch.batch_no,
        )
        .join(Item, Item.id == StocktakeLine.item_id)
        .join(Unit, Unit.id == Item.base_unit_id)
        .join(Location, Location.id == StocktakeLine.location_id)
        .outerjoin(Batch, Batch.id == StocktakeLine.batch_id)
        .where(StocktakeLine.stocktake_id == stocktake_id)
        .order_by(Location.path, Item.item_no, Batch.batch_no, StocktakeLine.id)
    )
    return list(session.execute(stmt).all())


def counted_locations(session: Session, stocktake_id: int) -> list[Location]:
    """The leaf locations a stocktake counts, in location order."""
    stmt = (
        select(Location)
        .join(StocktakeLocation, StocktakeLocation.location_id == Location.id)
        .where(StocktakeLocation.stocktake_id == stocktake_id)
        .order_by(Location.path)
    )
    return list(session.scalars(stmt))


def locations_under_count(session: Session, location_ids: list[int]) -> dict[int, int]:
    """Which of these locations an open stocktake counts: location id -> stocktake id."""
    if not location_ids:
        return {}
    rows = session.execute(
        select(StocktakeLocation.location_id, StocktakeLocation.stocktake_id).where(
            StocktakeLocation.location_id.in_(location_ids),
            StocktakeLocation.open_lock.is_not(None),
        )
    )
    return {int(location_id): int(stocktake_id) for location_id, stocktake_id in rows}
