"""Reading stock: levels, the ledger, valuation and the FEFO picking proposal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.models import Item, Unit
from landkontor.catalog.service import get_item, item_query, to_base_quantity
from landkontor.common.clock import business_today
from landkontor.common.money import round_unit_price
from landkontor.common.pagination import PageParams, paginate_counted, paginate_rows
from landkontor.db.session import settings_of
from landkontor.inventory.locations import get_location
from landkontor.inventory.models import (
    Batch,
    BatchStatus,
    ItemCost,
    LedgerEntry,
    Location,
    MovementType,
    StockLevel,
    StockMovement,
    StocktakeLocation,
)
from landkontor.inventory.rules import FefoStock, StockRow, usable_stock_condition
from landkontor.inventory.schemas import (
    PickLine,
    PickProposalOut,
    StockLevelOut,
    ValuationOut,
    ValuationRow,
)

ZERO = Decimal(0)
UNSELLABLE_STATUSES = (BatchStatus.blocked, BatchStatus.recalled)


def _within(session: Session, location_id: int, column: Any = Location.path) -> Any:
    root = get_location(session, location_id, field="location_id")
    return column.startswith(root.path)


def level_query(
    session: Session,
    *,
    item_id: int | None = None,
    location_id: int | None = None,
    batch_id: int | None = None,
    warehouse_id: int | None = None,
    include_zero: bool = False,
) -> Select:
    """The stock levels with these filters, ordered by item, location path, best-before;
    ``location_id`` includes all its sub-locations (InvalidInput if it does not exist)."""
    stmt: Select = (
        select(
            StockLevel.item_id,
            Item.item_no,
            StockLevel.location_id,
            Location.code.label("location_code"),
            Location.warehouse_id,
            StockLevel.batch_id,
            Batch.batch_no,
            Batch.best_before,
            Batch.status.label("batch_status"),
            StockLevel.quantity,
            Unit.code.label("unit"),
        )
        .join(Item, Item.id == StockLevel.item_id)
        .join(Unit, Unit.id == Item.base_unit_id)
        .join(Location, Location.id == StockLevel.location_id)
        .outerjoin(Batch, Batch.id == StockLevel.batch_id)
        .order_by(Item.item_no, Location.path, Batch.best_before, StockLevel.id)
    )
    if not include_zero:
        stmt = stmt.where(StockLevel.quantity != 0)
    if item_id is not None:
        stmt = stmt.where(StockLevel.item_id == item_id)
    if batch_id is not None:
        stmt = stmt.where(StockLevel.batch_id == batch_id)
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
    if location_id is not None:
        stmt = stmt.where(_within(session, location_id))
    return stmt


def levels(session: Session, params: PageParams, **filters: Any) -> tuple[list[StockLevelOut], int]:
    """One page of stock levels (filters as :func:`level_query`)."""
    rows, total = paginate_counted(session, level_query(session, **filters), params)
    return [StockLevelOut.model_validate(row._mapping) for row in rows], total


# Extra sort key of the item list with stock (beside catalog's ITEM_SORTS).
ON_HAND_SORT = "on_hand"


def items_with_stock(
    session: Session,
    params: PageParams,
    *,
    search: str | None = None,
    group: str | None = None,
    active: bool | None = None,
    below_reorder_point: bool = False,
    sort: str = "item_no",
    descending: bool = False,
) -> tuple[list[Any], int]:
    """One page of items (catalog's item query) with their stock on hand in the base unit.

    Rows carry ``Item`` and ``on_hand`` (the moving-average row's quantity, 0 without one).
    ``below_reorder_point`` keeps the active items whose stock is under their reorder point.
    ``sort`` is a catalog item sort key or ``on_hand``.
    """
    on_hand = func.coalesce(ItemCost.quantity, 0)
    by_stock = sort == ON_HAND_SORT
    stmt = item_query(
        search=search,
        group=group,
        active=True if below_reorder_point else active,
        sort="item_no" if by_stock else sort,
        descending=descending,
    )
    stmt = stmt.outerjoin(ItemCost, ItemCost.item_id == Item.id).add_columns(
        on_hand.label("on_hand")
    )
    if by_stock:
        stmt = stmt.order_by(None).order_by(
            on_hand.desc() if descending else on_hand.asc(), Item.item_no
        )
    if below_reorder_point:
        stmt = stmt.where(Item.reorder_point.is_not(None), on_hand < Item.reorder_point)
    return paginate_rows(session, stmt, params)


def ledger_query(
    session: Session,
    *,
    item_id: int | None = None,
    location_id: int | None = None,
    warehouse_id: int | None = None,
    batch_id: int | None = None,
    movement_id: int | None = None,
    movement_type: MovementType | None = None,
    reference: str | None = None,
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
) -> Select:
    """Ledger lines with their movement, newest first; ``location_id`` includes its
    sub-locations (InvalidInput if it does not exist)."""
    stmt: Select = (
        select(
            LedgerEntry,
            StockMovement.movement_type,
            StockMovement.reference,
            StockMovement.document_type,
            StockMovement.document_id,
            StockMovement.posted_by,
        )
        .join(StockMovement, StockMovement.id == LedgerEntry.movement_id)
        .order_by(LedgerEntry.posted_at.desc(), LedgerEntry.id.desc())
    )
    if item_id is not None:
        stmt = stmt.where(LedgerEntry.item_id == item_id)
    if batch_id is not None:
        stmt = stmt.where(LedgerEntry.batch_id == batch_id)
    if movement_id is not None:
        stmt = stmt.where(LedgerEntry.movement_id == movement_id)
    if movement_type is not None:
        stmt = stmt.where(StockMovement.movement_type == movement_type)
    if reference:
        stmt = stmt.where(StockMovement.reference == reference)
    if posted_from is not None:
        stmt = stmt.where(LedgerEntry.posted_at >= posted_from)
    if posted_to is not None:
        stmt = stmt.where(LedgerEntry.posted_at <= posted_to)
    if location_id is not None or warehouse_id is not None:
        loc = aliased(Location)
        stmt = stmt.join(loc, loc.id == LedgerEntry.location_id)
        if location_id is not None:
            stmt = stmt.where(_within(session, location_id, loc.path))
        if warehouse_id is not None:
            stmt = stmt.where(loc.warehouse_id == warehouse_id)
    return stmt


def ledger(session: Session, params: PageParams, **filters: Any) -> tuple[list[Any], int]:
    """One page of ledger lines with their movement, newest first (filters as
    :func:`ledger_query`)."""
    return paginate_rows(session, ledger_query(session, **filters), params)


def valuation(
    session: Session,
    *,
    as_of: datetime | None = None,
    by_warehouse: bool = False,
    item_id: int | None = None,
    warehouse_id: int | None = None,
) -> ValuationOut:
    """Quantity and value per item (and per warehouse), now or as of a moment.

    The current figures per item come from the moving-average rows; per warehouse or as of
    a past moment they are the sums of the ledger's quantities and values.
    """
    rows: list[ValuationRow] = []
    stmt: Select
    if as_of is None and not by_warehouse and warehouse_id is None:
        stmt = (
            select(ItemCost.item_id, Item.item_no, ItemCost.quantity, ItemCost.value)
            .join(Item, Item.id == ItemCost.item_id)
            .where((ItemCost.quantity != 0) | (ItemCost.value != 0))
            .order_by(Item.item_no)
        )
        if item_id is not None:
            stmt = stmt.where(ItemCost.item_id == item_id)
        for row in session.execute(stmt):
            rows.append(_valuation_row(row.item_id, row.item_no, None, row.quantity, row.value))
    else:
        quantity = func.sum(LedgerEntry.quantity)
        value = func.sum(LedgerEntry.value)
        group = [LedgerEntry.item_id, Item.item_no]
        if by_warehouse:
            group.append(Location.warehouse_id)
        stmt = (
            select(*group, quantity.label("quantity"), value.label("value"))
            .join(Item, Item.id == LedgerEntry.item_id)
            .join(Location, Location.id == LedgerEntry.location_id)
            .group_by(*group)
            .having((quantity != 0) | (value != 0))
            .order_by(Item.item_no)
        )
        if as_of is not None:
            stmt = stmt.where(LedgerEntry.posted_at <= as_of)
        if item_id is not None:
            stmt = stmt.where(LedgerEntry.item_id == item_id)
        if warehouse_id is not None:
            stmt = stmt.where(Location.warehouse_id == warehouse_id)
        for summed in session.execute(stmt):
            warehouse = summed.warehouse_id if by_warehouse else warehouse_id
            rows.append(
                _valuation_row(
                    summed.item_id, summed.item_no, warehouse, summed.quantity, summed.value
                )
            )
    total = sum((r.value for r in rows), ZERO)
    return ValuationOut(as_of=as_of, by_warehouse=by_warehouse, rows=rows, total_value=total)


def stock_value(session: Session) -> Decimal:
    """Value of all stock on hand at moving-average cost (EUR): the sum of the item cost
    rows, one per item, so the work grows with the catalogue, not with the ledger."""
    return Decimal(session.scalar(select(func.coalesce(func.sum(ItemCost.value), 0))) or 0)


def batches_with_stock(session: Session) -> dict[str, int]:
    """How many ``blocked`` and ``recalled`` batches still hold stock (a non-zero level
    anywhere), by status.

    Reads through the index on the batch status and then each such batch's levels, so the
    work grows with the blocked and recalled batches, not with all batches or levels.
    (Expired batches are not counted here: almost every batch expires sooner or later, so
    finding those with stock would read the whole history.)
    """
    counts = dict.fromkeys(UNSELLABLE_STATUSES, 0)
    # A correlated LIMIT 1 lookup per batch, not EXISTS: the planner may turn a semi-join
    # into a hash over every non-empty stock level, which grows with the whole warehouse.
    some_stock = (
        select(StockLevel.id)
        .where(StockLevel.batch_id == Batch.id, StockLevel.quantity != 0)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(Batch.status, func.count())
        .where(Batch.status.in_(UNSELLABLE_STATUSES), some_stock.is_not(None))
        .group_by(Batch.status)
    )
    for status, count in session.execute(stmt):
        counts[status] = count
    return {status.value: count for status, count in counts.items()}


def _valuation_row(
    item_id: int, item_no: str, warehouse_id: int | None, quantity: Decimal, value: Decimal
) -> ValuationRow:
    quantity, value = Decimal(quantity), Decimal(value)
    average = round_unit_price(value / quantity) if quantity else None
    return ValuationRow(
        item_id=item_id,
        item_no=item_no,
        warehouse_id=warehouse_id,
        quantity=quantity,
        value=value,
        average_cost=average,
    )


def pickable_stock(
    session: Session, item_id: int, warehouse_id: int | None = None, today: date | None = None
) -> list[StockRow]:
    """Positive levels an issue may take: usable stock (:func:`usable_stock_condition`) on
    locations that are not being counted."""
    today = today or business_today(settings_of(session))
    counting = select(StocktakeLocation.location_id).where(StocktakeLocation.open_lock.is_not(None))
    stmt = (
        select(
            StockLevel.location_id,
            Location.code.label("location_code"),
            StockLevel.batch_id,
            Batch.batch_no,
            Batch.best_before,
            StockLevel.quantity,
        )
        .join(Location, Location.id == StockLevel.location_id)
        .outerjoin(Batch, Batch.id == StockLevel.batch_id)
        .where(
            StockLevel.item_id == item_id,
            StockLevel.quantity > 0,
            Location.id.not_in(counting),
            usable_stock_condition(today),
        )
    )
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
    return [StockRow(**row._asdict()) for row in session.execute(stmt)]


def fefo_stock(session: Session, item_id: int, warehouse_id: int | None = None) -> FefoStock:
    """The item's pickable stock, ready to be allocated first expired, first out."""
    return FefoStock(pickable_stock(session, item_id, warehouse_id))


def pick_proposal(
    session: Session,
    item_id: int,
    quantity: Decimal,
    *,
    unit: str | None = None,
    warehouse_id: int | None = None,
) -> PickProposalOut:
    """Which batches and locations to take ``quantity`` from, first expired first out."""
    item = get_item(session, item_id, field="item_id")
    needed = to_base_quantity(session, item, quantity, unit).quantity
    allocations, shortage = fefo_stock(session, item_id, warehouse_id).take(needed)
    return PickProposalOut(
        item_id=item_id,
        requested=needed,
        unit=item.base_unit.code,
        proposed=needed - shortage,
        shortage=shortage,
        lines=[
            PickLine(
                location_id=a.row.location_id,
                location_code=a.row.location_code,
                batch_id=a.row.batch_id,
                batch_no=a.row.batch_no,
                best_before=a.row.best_before,
                quantity=a.quantity,
            )
            for a in allocations
        ],
    )
