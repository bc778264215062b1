"""Posting stock movements: the only code that writes the ledger, levels and item costs.

One posting is one transaction (``@use_case``): the movement header, its immutable ledger
lines, the stock levels per (item, location, batch) and the moving-average cost per item.
Concurrency is left to the database: each posting first locks the cost rows of its items in
item-id order (an UPSERT that returns the row), so postings of one item serialise and cannot
lose updates or deadlock; level changes are atomic UPSERTs that return the new quantity, and a
negative result aborts the whole posting.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.models import Item, Unit
from landkontor.catalog.service import Converted, to_base_quantity
from landkontor.catalog.units import exact_quantity
from landkontor.common.clock import business_today
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.db.upsert import insert_for
from landkontor.errors import InvalidInput, InvalidState, not_found
from landkontor.inventory.errors import (
    AlreadyReversed,
    BatchNotUsable,
    IdempotencyKeyReused,
    InsufficientStock,
    LocationNotLeaf,
    LocationNotUsable,
)
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
from landkontor.inventory.rules import CostState, round_cost, round_money, unusable_reason

ZERO = Decimal(0)


@dataclass(frozen=True)
class PostingLine:
    """One line of a movement as other domains hand it in.

    ``quantity`` is in ``unit`` (None: the item's base unit); positive, except for
    adjustments where the sign says the direction. ``unit_cost`` is per entered unit and
    only for stock coming in (receipts, positive adjustments); None means the current average.
    """

    item_id: int
    location_id: int
    quantity: Decimal
    unit: str | None = None
    batch_id: int | None = None
    to_location_id: int | None = None
    unit_cost: Decimal | None = None
    value: Decimal | None = None  # incoming stock with an exact total value (production)


class _Valuation(Enum):
    inflow = "in"  # at a given cost, or the average
    outflow = "out"  # at the moving average
    fixed = "fixed"  # value given (transfers, reversed transfers): average unchanged


@dataclass(frozen=True)
class _ItemInfo:
    """What a posting needs to know of an item."""

    id: int
    item_no: str
    batch_managed: bool
    active: bool
    allow_negative_stock: bool
    unit: str  # base unit code

    @classmethod
    def of(cls, item: Item) -> _ItemInfo:
        return cls(
            item.id,
            item.item_no,
            item.batch_managed,
            item.active,
            item.allow_negative_stock,
            item.base_unit.code,
        )


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


def _load_items(session: Session, ids: set[int]) -> dict[int, _ItemInfo]:
    rows = session.connection().execute(_ITEMS, {"ids": list(ids)})
    return {row.id: _ItemInfo(*row) for row in rows}


def _to_base(
    session: Session, item: _ItemInfo, quantity: Decimal, unit: str | None, field: str
) -> Converted:
    if unit is None or unit == item.unit:
        return Converted(exact_quantity(quantity, field=field), item.unit)
    full = session.get(Item, item.id)
    assert full is not None
    return to_base_quantity(session, full, quantity, unit, field=field)


@dataclass
class _Delta:
    """A change of one stock level, and how to value it."""

    item: _ItemInfo
    location: Location
    batch: Batch | None
    quantity: Decimal  # signed, base unit
    entered_quantity: Decimal
    entered_unit: str
    valuation: _Valuation
    unit_cost: Decimal | None = None
    value: Decimal | None = None
    pair: _Delta | None = field(default=None, repr=False)  # transfers: the incoming twin


@dataclass(frozen=True)
class _LocationInfo:
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


def _load_locations(session: Session, ids: set[int]) -> dict[int, _LocationInfo]:
    rows = session.connection().execute(_LOCATIONS, {"ids": list(ids)}).all()
    return {row.id: _LocationInfo(row, not row.has_children, row.counting) for row in rows}


def _check_location(
    info: _LocationInfo | None,
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
    session: Session,
    item: _ItemInfo,
    batch_id: int | None,
    index: int,
    *,
    usable_needed: bool,
    incoming: bool,
) -> Batch | None:
    field_name = _field(index, "batch_id")
    if not item.batch_managed:
        if batch_id is not None:
            raise InvalidInput(f"item {item.item_no} is not batch-managed", field=field_name)
        return None
    if batch_id is None:
        raise InvalidInput(
            f"item {item.item_no} is batch-managed: every line needs a batch", field=field_name
        )
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise InvalidInput(f"batch {batch_id} does not exist", field=field_name)
    if batch.item_id != item.id:
        raise InvalidInput(
            f"batch {batch.batch_no} belongs to another item than {item.item_no}",
            field=field_name,
        )
    if usable_needed:
        reason = unusable_reason(batch.status, batch.best_before, business_today())
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


def _deltas_for(
    session: Session,
    movement_type: MovementType,
    lines: list[PostingLine],
    *,
    stocktake: bool,
) -> list[_Delta]:
    """Validate request lines and turn them into level changes (no writes yet)."""
    location_ids = {line.location_id for line in lines} | {
        line.to_location_id for line in lines if line.to_location_id is not None
    }
    locations = _load_locations(session, location_ids)
    items = _load_items(session, {line.item_id for line in lines})
    deltas: list[_Delta] = []
    for index, line in enumerate(lines):
        item = items.get(line.item_id)
        if item is None:
            raise InvalidInput(
                f"item {line.item_id} does not exist", field=_field(index, "item_id")
            )
        qty_field = _field(index, "quantity")
        if line.quantity == 0 or (line.quantity < 0 and movement_type != MovementType.adjustment):
            raise InvalidInput(
                "quantity must be positive"
                if movement_type != MovementType.adjustment
                else "an adjustment quantity must not be zero",
                field=qty_field,
            )
        exact_quantity(line.quantity, field=qty_field)
        converted = _to_base(session, item, abs(line.quantity), line.unit, qty_field)
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
            unit_cost = round_cost(line.unit_cost * abs(line.quantity) / converted.quantity)
        location = _check_location(
            locations.get(line.location_id),
            line.location_id,
            incoming=incoming,
            issue=is_issue,
            field=_field(index, "location_id"),
            stocktake=stocktake,
        )
        batch = _check_batch(
            session, item, line.batch_id, index, usable_needed=is_issue, incoming=incoming
        )
        if movement_type == MovementType.transfer:
            deltas.extend(
                _transfer_deltas(
                    line, index, item, location, batch, converted, locations, stocktake=stocktake
                )
            )
            continue
        if line.to_location_id is not None:
            raise InvalidInput(
                "to_location_id is only for transfers", field=_field(index, "to_location_id")
            )
        deltas.append(
            _Delta(
                item=item,
                location=location,
                batch=batch,
                quantity=base if movement_type != MovementType.issue else -base,
                entered_quantity=line.quantity if not is_issue else -line.quantity,
                entered_unit=converted.unit,
                valuation=_Valuation.inflow if incoming else _Valuation.outflow,
                unit_cost=unit_cost,
                value=line.value if incoming else None,
            )
        )
    return deltas


def _transfer_deltas(
    line: PostingLine,
    index: int,
    item: _ItemInfo,
    source: Any,
    batch: Batch | None,
    converted: Any,
    locations: dict[int, _LocationInfo],
    *,
    stocktake: bool,
) -> list[_Delta]:
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
    incoming = _Delta(
        item, target, batch, converted.quantity, line.quantity, converted.unit, _Valuation.fixed
    )
    outgoing = _Delta(
        item,
        source,
        batch,
        -converted.quantity,
        -line.quantity,
        converted.unit,
        _Valuation.fixed,
        pair=incoming,
    )
    return [outgoing, incoming]


_UPSERTS: dict[str, Any] = {}
_UPDATE_COST = (
    update(ItemCost.__table__)
    .where(ItemCost.__table__.c.item_id == bindparam("id"))
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
                "quantity": StockLevel.quantity + level.excluded.quantity,
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


def _value(delta: _Delta, state: CostState) -> None:
    """Fill unit cost and value of a delta from the item's moving-average state."""
    if delta.valuation is _Valuation.inflow:
        delta.unit_cost, delta.value = state.inflow(delta.quantity, delta.unit_cost, delta.value)
    elif delta.valuation is _Valuation.outflow:
        delta.unit_cost, delta.value = state.outflow(-delta.quantity)
    else:
        if delta.value is None:  # outgoing half of a transfer: value both halves
            moved = -delta.quantity
            value = (
                state.value if moved == state.quantity else round_money(moved * state.average_cost)
            )
            delta.unit_cost, delta.value = state.average_cost, -value
            if delta.pair is not None:
                delta.pair.unit_cost, delta.pair.value = state.average_cost, value
        state.quantity += delta.quantity
        state.value += delta.value


def _apply_level(session: Session, delta: _Delta, now: Any) -> None:
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


_MOVEMENTS = StockMovement.__table__
_LEDGER = LedgerEntry.__table__
_INSERT_MOVEMENT = insert(_MOVEMENTS).returning(_MOVEMENTS.c.id)
_INSERT_LINES = insert(_LEDGER).returning(_LEDGER.c.id, sort_by_parameter_order=True)
_HEADER_COLUMNS = [c.key for c in _MOVEMENTS.c if c.key != "id"]


def _write(
    session: Session,
    movement: StockMovement,
    deltas: list[_Delta],
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
            "unit_cost": round_cost(d.unit_cost or ZERO),
            "value": round_money(d.value or ZERO),
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


def request_fingerprint(payload: Any) -> str:
    """A stable hash of a request body, to tell a replay from a different request."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def find_by_idempotency_key(
    session: Session, key: str, request_hash: str | None
) -> StockMovement | None:
    """The movement posted earlier with this key; IdempotencyKeyReused if the request differs."""
    movement = session.scalar(select(StockMovement).where(StockMovement.idempotency_key == key))
    if movement is not None and request_hash and movement.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request", field="Idempotency-Key"
        )
    return movement


@use_case
def post_movement(
    session: Session,
    movement_type: MovementType,
    lines: list[PostingLine],
    *,
    actor: str,
    reference: str = "",
    reason: str = "",
    document_type: str | None = None,
    document_id: int | None = None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    stocktake: bool = False,
) -> StockMovement:
    """Post a receipt, issue, transfer or adjustment as one transaction.

    Rules: quantities are converted exactly to the base unit; batch-managed items need a
    batch on every line; only leaf locations take stock; blocked locations take nothing in
    and give nothing out except by transfer or adjustment; locations under an open stocktake
    take no postings but the stocktake's own; issues need a released, unexpired batch; no
    level may go negative unless the item or location allows it.
    Raises InvalidInput (422), InsufficientStock, BatchNotUsable, LocationNotUsable (409).
    """
    if not lines:
        raise InvalidInput("a movement needs at least one line", field="lines")
    if movement_type == MovementType.reversal:
        raise InvalidInput("use reverse_movement for reversals", field="type")
    deltas = _deltas_for(session, movement_type, lines, stocktake=stocktake)
    movement = StockMovement(
        movement_type=movement_type,
        reference=reference,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        posted_by=actor,
        posted_at=utcnow(),
    )
    return _write(session, movement, deltas)


def post_idempotent(
    session: Session, key: str | None, request_hash: str, post: Any
) -> tuple[StockMovement, bool]:
    """Run ``post()`` once per idempotency key. Returns (movement, replayed).

    A second request with the same key returns the first one's movement; two at the same
    time are settled by the unique key in the database.
    """
    if key:
        existing = find_by_idempotency_key(session, key, request_hash)
        if existing is not None:
            return existing, True
    try:
        return post(), False
    except IntegrityError:
        if not key:
            raise
        session.rollback()
        existing = find_by_idempotency_key(session, key, request_hash)
        if existing is None:
            raise
        return existing, True


def get_movement(session: Session, movement_id: int) -> StockMovement:
    movement = session.get(StockMovement, movement_id)
    if movement is None:
        raise not_found("movement", movement_id)
    return movement


@use_case
def reverse_movement(
    session: Session,
    movement_id: int,
    *,
    reason: str,
    actor: str,
    document_type: str | None = None,
    document_id: int | None = None,
    own_document: bool = False,
) -> StockMovement:
    """Post the exact opposite of a movement (the only way to correct the ledger).

    Stock that went out comes back at the cost it left with; stock that came in leaves at
    the current moving average; transfers are undone value-neutrally. A movement is reversed
    at most once; reversals are not reversed again; movements of a business document
    (delivery, stocktake …) are reversed through that document (``own_document=True``).
    """
    original = session.get(StockMovement, movement_id, with_for_update=True)
    if original is None:
        raise not_found("movement", movement_id)
    if original.movement_type == MovementType.reversal:
        raise InvalidState("a reversal cannot be reversed; post the movement again instead")
    if original.document_type and not own_document:
        raise InvalidState(
            f"movement {movement_id} belongs to {original.document_type} "
            f"{original.document_id}; correct it there"
        )
    if session.scalar(select(StockMovement.id).where(StockMovement.reverses_id == movement_id)):
        raise AlreadyReversed(f"movement {movement_id} is already reversed")
    deltas = []
    is_transfer = original.movement_type == MovementType.transfer
    for line in original.lines:
        item = session.get(Item, line.item_id)
        location = session.get(Location, line.location_id)
        batch = session.get(Batch, line.batch_id) if line.batch_id else None
        assert item is not None and location is not None
        if is_transfer:
            valuation, cost, value = _Valuation.fixed, line.unit_cost, -line.value
        elif line.quantity > 0:
            valuation, cost, value = _Valuation.outflow, None, None
        else:
            valuation, cost, value = _Valuation.inflow, line.unit_cost, None
        deltas.append(
            _Delta(
                _ItemInfo.of(item),
                location,
                batch,
                -line.quantity,
                -line.entered_quantity,
                line.entered_unit,
                valuation,
                unit_cost=cost,
                value=value,
            )
        )
    movement = StockMovement(
        movement_type=MovementType.reversal,
        reference=original.reference,
        reason=reason,
        document_type=document_type or original.document_type,
        document_id=document_id or original.document_id,
        reverses_id=original.id,
        posted_by=actor,
        posted_at=utcnow(),
    )
    try:
        return _write(session, movement, deltas)
    except IntegrityError:
        # Another reversal of the same movement committed first (reverses_id is unique).
        raise AlreadyReversed(f"movement {movement_id} is already reversed") from None
