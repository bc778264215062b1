"""Production orders (ProduktionsAuftrag): planned → released → in progress → completed, or
cancelled with the reversals that implies.

Materials are consumed by stock issues (FEFO unless batches are given), outputs are stock
receipts into new batches valued at the consumed materials plus conversion cost, and every
output batch is linked to every input batch consumed before it (genealogy).
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.money import round_quantity, round_value
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory import genealogy, reservations
from landkontor.inventory.batches import new_batch, record_status
from landkontor.inventory.errors import LocationNotLeaf
from landkontor.inventory.locations import get_location, get_warehouse, has_children
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    BatchStatus,
    LedgerEntry,
    MovementType,
    Reservation,
    StockMovement,
)
from landkontor.inventory.posting import PostingLine, post_movement, reverse_movement
from landkontor.inventory.queries import fefo_stock
from landkontor.inventory.schemas import NewBatch
from landkontor.numbering.service import next_number
from landkontor.production.boms import default_bom, get_bom
from landkontor.production.errors import MaterialShortage
from landkontor.production.models import (
    OrderComponent,
    OrderOutput,
    OrderStatus,
    ProductionOrder,
)
from landkontor.production.schemas import (
    ComponentOut,
    ConsumptionIn,
    OrderCreate,
    OrderOut,
    OutputIn,
)

NUMBER_SERIES = "PA"  # Produktionsauftrag: PA-2026-000001
DOCUMENT_TYPE = "production_order"
OPEN = (OrderStatus.planned, OrderStatus.released, OrderStatus.in_progress)


def get_order(session: Session, order_id: int, *, lock: bool = False) -> ProductionOrder:
    return fetch(session, ProductionOrder, order_id, kind="production order", lock=lock)


def list_orders(
    session: Session,
    params: PageParams,
    *,
    status: OrderStatus | None = None,
    item_id: int | None = None,
) -> tuple[list[ProductionOrder], int]:
    stmt = select(ProductionOrder).order_by(ProductionOrder.id.desc())
    if status is not None:
        stmt = stmt.where(ProductionOrder.status == status)
    if item_id is not None:
        stmt = stmt.where(ProductionOrder.item_id == item_id)
    return paginate(session, stmt, params)


def order_out(order: ProductionOrder, shortages: list[dict[str, Any]] | None = None) -> OrderOut:
    out = OrderOut.model_validate(order)
    out.components = [
        ComponentOut.model_validate(c).model_copy(
            update={"variance": c.consumed_quantity - c.planned_quantity}
        )
        for c in order.components
    ]
    out.shortages = shortages or []
    return out


def _require(order: ProductionOrder, *allowed: OrderStatus, action: str) -> None:
    if order.status not in allowed:
        raise InvalidState(
            f"production order {order.number} is {order.status.value}; cannot {action}",
            order_status=order.status.value,
        )


def _check_output_location(
    session: Session, location_id: int, warehouse_id: int, *, field: str
) -> None:
    """Output goes to an existing leaf location of the order's warehouse (InvalidInput)."""
    location = get_location(session, location_id, field=field)
    if location.warehouse_id != warehouse_id:
        raise InvalidInput("the output location is in another warehouse", field=field)
    if has_children(session, location.id):
        raise LocationNotLeaf(
            f"location {location.code} has sub-locations; output needs a leaf location",
            field=field,
        )


@use_case
def create_order(session: Session, data: OrderCreate, *, actor: str) -> ProductionOrder:
    """Plan an order: components from the recipe scaled to the quantity, plus expected loss."""
    item = get_item(session, data.item_id, field="item_id")
    quantity = to_base_quantity(session, item, data.quantity, data.unit).quantity
    get_warehouse(session, data.warehouse_id, field="warehouse_id")
    if data.output_location_id is not None:
        _check_output_location(
            session, data.output_location_id, data.warehouse_id, field="output_location_id"
        )
    if data.bom_id is not None:
        bom = get_bom(session, data.bom_id, field="bom_id")
        if bom.item_id != item.id or not bom.active:
            raise InvalidInput(
                f"recipe {bom.id} is not an active recipe of {item.item_no}", field="bom_id"
            )
    else:
        found = default_bom(
            session, item.id, data.planned_date or business_today(settings_of(session))
        )
        if found is None:
            raise InvalidInput(f"item {item.item_no} has no valid default recipe", field="bom_id")
        bom = found
    scale = quantity / bom.output_quantity
    order = ProductionOrder(
        item_id=item.id,
        bom_id=bom.id,
        warehouse_id=data.warehouse_id,
        output_location_id=data.output_location_id,
        planned_quantity=quantity,
        planned_date=data.planned_date,
        conversion_cost=data.conversion_cost,
        note=data.note,
        created_by=actor,
        components=[
            OrderComponent(
                line_no=line.line_no,
                item_id=line.item_id,
                planned_quantity=round_quantity(
                    line.quantity * scale * (1 + line.loss_percent / 100)
                ),
            )
            for line in bom.lines
        ],
    )
    # Numbered last: the series' counter row stays locked until the transaction ends.
    order.number = next_number(session, NUMBER_SERIES)
    session.add(order)
    session.flush()
    return order


def shortages(session: Session, order: ProductionOrder) -> list[dict[str, Any]]:
    """Components whose open requirement exceeds what is available in the warehouse
    (counting what this order has reserved already as its own)."""
    own = reservations.reserved_for(session, DOCUMENT_TYPE, order.id)
    stock = reservations.availabilities(
        session, [c.item_id for c in order.components], order.warehouse_id
    )
    result = []
    for component in order.components:
        needed = component.planned_quantity - component.consumed_quantity
        if needed <= 0:
            continue
        free = stock[component.item_id].available + own.get(component.id, Decimal(0))
        if free < needed:
            result.append(
                {
                    "item_id": component.item_id,
                    "needed": str(needed),
                    "available": str(max(free, Decimal(0))),
                    "missing": str(needed - max(free, Decimal(0))),
                }
            )
    return result


@use_case
def release_order(
    session: Session, order_id: int, *, strict: bool, actor: str
) -> tuple[ProductionOrder, list[dict[str, Any]]]:
    """Release for production: check material and reserve the components.

    With ``strict`` a shortage refuses the release (MaterialShortage, listing every short
    component); otherwise the order is released and the shortages are returned.
    """
    order = get_order(session, order_id, lock=True)
    _require(order, OrderStatus.planned, action="release it")
    reservations.lock_items(session, (c.item_id for c in order.components))
    missing = shortages(session, order)
    if missing and strict:
        raise MaterialShortage(
            f"{len(missing)} components of {order.number} are short", shortages=missing
        )
    # A planned order holds no reservations (cancelling and completing drop them all).
    session.add_all(
        Reservation(
            item_id=component.item_id,
            warehouse_id=order.warehouse_id,
            quantity=component.planned_quantity,
            document_type=DOCUMENT_TYPE,
            document_id=order.id,
            document_line_id=component.id,
        )
        for component in order.components
        if component.planned_quantity > 0
    )
    order.status = OrderStatus.released
    order.released_at = utcnow()
    session.flush()
    return order, missing


def _fefo_lines(
    session: Session, order: ProductionOrder, item: Item, quantity: Decimal, batch_id: int | None
) -> list[PostingLine]:
    stock = fefo_stock(session, item.id, order.warehouse_id)
    allocations, missing = stock.take(quantity, batch_id=batch_id)
    if missing > 0:
        raise MaterialShortage(
            f"{missing.normalize():f} {item.base_unit.code} of {item.item_no} are missing in the "
            "warehouse (usable batches only)",
            shortages=[{"item_id": item.id, "missing": str(missing)}],
        )
    return [
        PostingLine(
            item_id=item.id,
            location_id=a.row.location_id,
            quantity=a.quantity,
            batch_id=a.row.batch_id,
        )
        for a in allocations
    ]


@use_case
def consume(session: Session, order_id: int, data: ConsumptionIn, *, actor: str) -> ProductionOrder:
    """Issue materials to the order: given batches, else FEFO. Without lines, everything
    still planned for every component. Over- and under-consumption are recorded."""
    order = get_order(session, order_id, lock=True)
    _require(order, OrderStatus.released, OrderStatus.in_progress, action="consume material")
    components = {c.item_id: c for c in order.components}
    # Every component item in one statement: get_item below finds them in the session.
    session.scalars(select(Item).where(Item.id.in_(components))).all()
    requests: list[tuple[int, Decimal, Any]] = []
    if not data.lines:
        for c in order.components:
            if c.planned_quantity > c.consumed_quantity:
                requests.append((c.item_id, c.planned_quantity - c.consumed_quantity, None))
        if not requests:
            raise InvalidState(f"everything planned for {order.number} is consumed already")
    postings: list[PostingLine] = []
    for index, line in enumerate(data.lines):
        if line.item_id not in components:
            raise InvalidInput(
                f"item {line.item_id} is not a component of {order.number}",
                field=f"lines[{index}].item_id",
            )
        item = get_item(session, line.item_id)
        quantity = to_base_quantity(
            session, item, line.quantity, line.unit, field=f"lines[{index}].quantity"
        ).quantity
        if line.location_id is not None:
            if line.batch_id is None and item.batch_managed:
                raise InvalidInput(
                    "give the batch taken from that location", field=f"lines[{index}].batch_id"
                )
            postings.append(
                PostingLine(
                    item_id=item.id,
                    location_id=line.location_id,
                    quantity=quantity,
                    batch_id=line.batch_id,
                )
            )
        else:
            requests.append((item.id, quantity, line.batch_id))
    for item_id, quantity, batch_id in requests:
        postings.extend(_fefo_lines(session, order, get_item(session, item_id), quantity, batch_id))
    movement = post_movement(
        session,
        MovementType.issue,
        postings,
        actor=actor,
        reference=order.number,
        reason=f"consumption for {order.number}",
        document_type=DOCUMENT_TYPE,
        document_id=order.id,
    )
    consumed: dict[int, Decimal] = {}
    for entry in movement.lines:
        component = components[entry.item_id]
        component.consumed_quantity += -entry.quantity
        component.consumed_value += -entry.value
        order.wip_value += -entry.value
        consumed[component.id] = consumed.get(component.id, Decimal(0)) - entry.quantity
    order.status = OrderStatus.in_progress
    reservations.release_lines(
        session, document_type=DOCUMENT_TYPE, document_id=order.id, quantities=consumed
    )
    session.flush()
    return order


def consumed_batches(session: Session, order_id: int, output_item_id: int) -> dict[int, Decimal]:
    """Net quantity per input batch the order has consumed (reversals net out)."""
    rows = session.execute(
        select(LedgerEntry.batch_id, -func.sum(LedgerEntry.quantity))
        .join(StockMovement, StockMovement.id == LedgerEntry.movement_id)
        .where(
            StockMovement.document_type == DOCUMENT_TYPE,
            StockMovement.document_id == order_id,
            LedgerEntry.batch_id.is_not(None),
            LedgerEntry.item_id != output_item_id,
        )
        .group_by(LedgerEntry.batch_id)
    )
    return {batch_id: qty for batch_id, qty in rows if batch_id is not None and qty > 0}


def _next_batch_no(session: Session, order: ProductionOrder, item: Item, day: Any) -> str:
    """The item's next output batch number of the pattern on ``day``: one above the highest
    ``seq`` taken (one statement, however many batches the day has)."""
    pattern = settings_of(session).production_batch_pattern
    fields = {"date": day, "item_no": item.item_no, "order": order.number}
    prefix, suffix, spec = _around_seq(pattern, fields)
    taken = session.scalars(
        select(Batch.batch_no).where(
            Batch.item_id == item.id,
            Batch.batch_no.like(_like_escaped(prefix) + "%" + _like_escaped(suffix), escape="\\"),
        )
    )
    highest = 0
    for number in taken:
        middle = number[len(prefix) : len(number) - len(suffix)]
        if number.startswith(prefix) and number.endswith(suffix) and middle.isdigit():
            highest = max(highest, int(middle))
    if highest >= 9_999:
        raise InvalidState(f"no free batch number for {item.item_no} on {day}")
    return prefix + format(highest + 1, spec) + suffix


def _around_seq(pattern: str, fields: dict[str, Any]) -> tuple[str, str, str]:
    """The pattern's text before and after ``{seq}`` (other fields filled in) and seq's
    format spec."""
    before: list[str] = []
    after: list[str] = []
    spec, seen = "", False
    for literal, name, format_spec, conversion in string.Formatter().parse(pattern):
        (after if seen else before).append(literal)
        if name is None:
            continue
        if name == "seq":
            seen, spec = True, format_spec or ""
            continue
        text = "{" + name + ("!" + conversion if conversion else "")
        text += (":" + format_spec if format_spec else "") + "}"
        (after if seen else before).append(text.format(**fields))
    return "".join(before), "".join(after), spec


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@use_case
def post_output(session: Session, order_id: int, data: OutputIn, *, actor: str) -> ProductionOrder:
    """Receive output into a new batch, valued from the order's work in progress.

    Each output takes the consumed material value in proportion to its share of the quantity
    still to produce, and the conversion cost in proportion to the planned quantity; the
    last output (``complete``) takes all that remains and completes the order.
    """
    order = get_order(session, order_id, lock=True)
    _require(order, OrderStatus.released, OrderStatus.in_progress, action="post output")
    item = get_item(session, order.item_id)
    quantity = to_base_quantity(session, item, data.quantity, data.unit).quantity
    location_id = data.location_id if data.location_id is not None else order.output_location_id
    if location_id is None:
        raise InvalidInput(
            "the order has no output location; give location_id", field="location_id"
        )
    _check_output_location(session, location_id, order.warehouse_id, field="location_id")
    reservations.lock_item(session, item.id)  # serialises batch numbering of this item
    batch = None
    if item.batch_managed:
        day = data.production_date or business_today(settings_of(session))
        number = data.batch_no or _next_batch_no(session, order, item, day)
        # new_batch refuses a number the item has (AlreadyExists naming batch_no).
        spec = NewBatch(batch_no=number, production_date=day, best_before=data.best_before)
        batch = new_batch(session, item, spec, origin=BatchOrigin.production, field="batch_no")
    remaining_conversion = order.conversion_cost - order.conversion_applied
    if data.complete:
        material, conversion = order.wip_value, remaining_conversion
    else:
        still_to_make = max(order.planned_quantity - order.produced_quantity, quantity)
        material = round_value(order.wip_value * quantity / still_to_make)
        conversion = min(
            round_value(order.conversion_cost * quantity / order.planned_quantity),
            remaining_conversion,
        )
    movement = post_movement(
        session,
        MovementType.receipt,
        [
            PostingLine(
                item_id=item.id,
                location_id=location_id,
                quantity=quantity,
                batch_id=batch.id if batch else None,
                value=material + conversion,
            )
        ],
        actor=actor,
        reference=order.number,
        reason=f"output of {order.number}",
        document_type=DOCUMENT_TYPE,
        document_id=order.id,
    )
    if batch is not None:
        genealogy.link_parents(
            session,
            batch.id,
            consumed_batches(session, order.id, item.id),
            document_type=DOCUMENT_TYPE,
            document_id=order.id,
        )
    order.outputs.append(
        OrderOutput(
            batch_id=batch.id if batch else None,
            location_id=location_id,
            quantity=quantity,
            value=movement.lines[0].value,
            movement_id=movement.id,
            posted_by=actor,
        )
    )
    order.wip_value -= material
    order.conversion_applied += conversion
    order.produced_quantity += quantity
    order.status = OrderStatus.in_progress
    if data.complete:
        _complete(session, order)
    session.flush()
    return order


def _complete(session: Session, order: ProductionOrder) -> None:
    order.status = OrderStatus.completed
    order.completed_at = utcnow()
    reservations.release(session, document_type=DOCUMENT_TYPE, document_id=order.id)


@use_case
def complete_order(session: Session, order_id: int, *, actor: str) -> ProductionOrder:
    """Complete an order whose material has all gone into outputs."""
    order = get_order(session, order_id, lock=True)
    _require(order, OrderStatus.in_progress, action="complete it")
    if not order.outputs:
        raise InvalidState(f"{order.number} has no output yet; post the output (complete=true)")
    if order.wip_value != 0:
        raise InvalidState(
            f"material worth {order.wip_value} EUR was consumed after the last output; "
            "post an output for it (complete=true)"
        )
    _complete(session, order)
    session.flush()
    return order


@use_case
def cancel_order(session: Session, order_id: int, reason: str, *, actor: str) -> ProductionOrder:
    """Cancel an order. A started order's postings are reversed (outputs first, so the
    output stock must still be there), its genealogy links voided, its output batches
    blocked; reservations are released."""
    order = get_order(session, order_id, lock=True)
    _require(order, *OPEN, action="cancel it")
    movements = session.scalars(
        select(StockMovement)
        .where(
            StockMovement.document_type == DOCUMENT_TYPE,
            StockMovement.document_id == order.id,
            StockMovement.movement_type != MovementType.reversal,
        )
        .order_by(StockMovement.id.desc())
    ).all()
    for movement in movements:
        reverse_movement(
            session,
            movement.id,
            reason=f"{order.number} cancelled: {reason}",
            actor=actor,
            own_document=True,
        )
    genealogy.void_links(session, DOCUMENT_TYPE, order.id)
    for output in order.outputs:
        if output.batch_id is not None:
            batch = fetch(session, Batch, output.batch_id, kind="batch")
            if batch.status == BatchStatus.released:
                record_status(
                    session, batch, BatchStatus.blocked, f"{order.number} cancelled", actor
                )
    for component in order.components:
        component.consumed_quantity = Decimal(0)
        component.consumed_value = Decimal(0)
    order.wip_value = Decimal(0)
    order.produced_quantity = Decimal(0)
    order.conversion_applied = Decimal(0)
    reservations.release(session, document_type=DOCUMENT_TYPE, document_id=order.id)
    order.status = OrderStatus.cancelled
    order.cancelled_at = utcnow()
    order.cancel_reason = reason
    session.flush()
    return order
