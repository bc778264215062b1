"""Deliveries: stock leaves the order's warehouse through the ledger, batch by batch.

Batches are picked first expired, first out unless the request names a batch or location;
blocked, recalled and expired batches are never picked (and the posting refuses them too).
A delivery posts one stock issue (document type ``delivery``), records each batch and
location in ``delivery_lines`` (recall tracing) and releases what it delivers from the
order's reservation. An uninvoiced delivery can be cancelled: the issue is reversed and the
quantity reserved again.

:func:`delivery_proposal` shows before a delivery what it would pick: per open order line
the FEFO allocation (the same :class:`FefoStock` the delivery takes from, shared by the
lines of one item) beside all stock of the item in the warehouse, unusable stock marked.
A delivery request may carry an idempotency key (the web form's): the same key again
returns the first delivery instead of delivering twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate, paginate_rows
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory.batches import get_batch
from landkontor.inventory.errors import BatchNotUsable, IdempotencyKeyReused, InsufficientStock
from landkontor.inventory.locations import get_location
from landkontor.inventory.models import BatchStatus, MovementType
from landkontor.inventory.posting import (
    PostingLine,
    find_by_idempotency_key,
    post_movement,
    request_fingerprint,
    reverse_movement,
)
from landkontor.inventory.queries import fefo_stock, level_query
from landkontor.inventory.reservations import lock_item, release, reserve
from landkontor.inventory.rules import FefoStock, unusable_reason
from landkontor.numbering.service import next_number
from landkontor.partners.models import Customer
from landkontor.partners.service import ensure_not_blocked, get_customer
from landkontor.sales.errors import QuantityExceedsOrder
from landkontor.sales.models import (
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
)
from landkontor.sales.orders import RESERVATION_DOCUMENT, get_order, refresh_status
from landkontor.sales.schemas import DeliveryCreate, DeliveryLineIn

DOCUMENT_TYPE = "delivery"
ZERO = Decimal(0)
DELIVERABLE = (SalesOrderStatus.confirmed, SalesOrderStatus.partially_delivered)


@dataclass(frozen=True)
class _Request:
    field: str  # where in the request body, for error messages
    line: SalesOrderLine
    item: Item
    quantity: Decimal  # base unit
    batch_id: int | None = None
    location_id: int | None = None


@dataclass(frozen=True)
class _Pick:
    line: SalesOrderLine
    location_id: int
    batch_id: int | None
    quantity: Decimal


def get_delivery(session: Session, delivery_id: int, *, lock: bool = False) -> Delivery:
    return fetch(session, Delivery, delivery_id, kind="delivery", lock=lock)


def delivery_query(
    *, sales_order_id: int | None = None, customer_id: int | None = None
) -> Select[Any]:
    stmt = select(Delivery).order_by(Delivery.id.desc())
    if sales_order_id is not None:
        stmt = stmt.where(Delivery.sales_order_id == sales_order_id)
    if customer_id is not None:
        stmt = stmt.where(Delivery.customer_id == customer_id)
    return stmt


def list_deliveries(session: Session, params: PageParams, **filters: Any) -> tuple[list, int]:
    return paginate(session, delivery_query(**filters), params)


def delivery_overview(
    session: Session,
    params: PageParams,
    *,
    status: DeliveryStatus | None = None,
    uninvoiced: bool = False,
    search: str | None = None,
) -> tuple[list[Any], int]:
    """One page of deliveries for a list, newest first, each with its order's number and its
    customer's number and name, in one statement. ``uninvoiced``: posted ones without an
    invoice; ``search``: part of the delivery or order number or the customer's number or
    name."""
    stmt = (
        select(
            Delivery.id,
            Delivery.delivery_no,
            Delivery.status,
            Delivery.delivered_at,
            Delivery.delivered_by,
            Delivery.invoice_id,
            Delivery.sales_order_id,
            SalesOrder.order_no,
            Customer.customer_no,
            Customer.name.label("customer_name"),
        )
        .join(SalesOrder, SalesOrder.id == Delivery.sales_order_id)
        .join(Customer, Customer.id == Delivery.customer_id)
        .order_by(Delivery.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    if uninvoiced:
        stmt = stmt.where(Delivery.status == DeliveryStatus.posted, Delivery.invoice_id.is_(None))
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(
            or_(
                Delivery.delivery_no.ilike(pattern),
                SalesOrder.order_no.ilike(pattern),
                Customer.customer_no.ilike(pattern),
                Customer.name.ilike(pattern),
            )
        )
    return paginate_rows(session, stmt, params)


def _requests(session: Session, order: SalesOrder, data: DeliveryCreate) -> list[_Request]:
    """The request lines in base units, checked against what is still open per line."""
    by_id = {line.id: line for line in order.lines}
    if data.lines is None:
        return [
            _Request("lines", line, get_item(session, line.item_id), open_quantity)
            for line in order.lines
            if (open_quantity := line.quantity - line.delivered_quantity) > 0
        ]
    if not data.lines:
        raise InvalidInput("a delivery needs at least one line", field="lines")
    requests: list[_Request] = []
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for index, given in enumerate(data.lines):
        requests.append(_request(session, order, by_id, given, f"lines[{index}]"))
        wanted[given.order_line_id] += requests[-1].quantity
        line = by_id[given.order_line_id]
        still_open = line.quantity - line.delivered_quantity
        if wanted[line.id] > still_open:
            raise QuantityExceedsOrder(
                f"order line {line.line_no} has {still_open.normalize():f} "
                f"{requests[-1].item.base_unit.code} left to deliver; "
                f"{wanted[line.id].normalize():f} requested",
                field=f"lines[{index}].quantity",
                order_line_id=line.id,
                open_quantity=str(still_open),
                requested=str(wanted[line.id]),
            )
    return requests


def _request(
    session: Session,
    order: SalesOrder,
    by_id: dict[int, SalesOrderLine],
    given: DeliveryLineIn,
    field: str,
) -> _Request:
    line = by_id.get(given.order_line_id)
    if line is None:
        raise InvalidInput(
            f"order {order.order_no} has no line {given.order_line_id}",
            field=f"{field}.order_line_id",
        )
    item = get_item(session, line.item_id)
    quantity = to_base_quantity(
        session, item, given.quantity, given.unit, field=f"{field}.quantity"
    ).quantity
    if given.location_id is not None:
        location = get_location(session, given.location_id, field=f"{field}.location_id")
        if location.warehouse_id != order.warehouse_id:
            raise InvalidInput(
                f"location {location.code} is not in the order's warehouse",
                field=f"{field}.location_id",
            )
    if given.batch_id is not None:
        _check_batch(session, item, given.batch_id, f"{field}.batch_id")
    return _Request(field, line, item, quantity, given.batch_id, given.location_id)


def _check_batch(session: Session, item: Item, batch_id: int, field: str) -> None:
    if not item.batch_managed:
        raise InvalidInput(f"item {item.item_no} is not batch-managed", field=field)
    batch = get_batch(session, batch_id, field=field)
    if batch.item_id != item.id:
        raise InvalidInput(f"batch {batch.batch_no} is not of item {item.item_no}", field=field)
    reason = unusable_reason(batch.status, batch.best_before, business_today(settings_of(session)))
    if reason:
        raise BatchNotUsable(
            f"batch {batch.batch_no} of item {item.item_no} is {reason} and cannot be delivered",
            field=field,
            batch_id=batch.id,
            reason=reason,
        )


def _pick(session: Session, order: SalesOrder, requests: list[_Request]) -> list[_Pick]:
    """Where each request's quantity comes from: FEFO within what the request allows."""
    stock: dict[int, FefoStock] = {}
    picks: list[_Pick] = []
    for request in requests:
        item_id = request.item.id
        if item_id not in stock:
            stock[item_id] = fefo_stock(session, item_id, order.warehouse_id)
        allocations, missing = stock[item_id].take(
            request.quantity, batch_id=request.batch_id, location_id=request.location_id
        )
        if missing > 0:
            unit = request.item.base_unit.code
            found = request.quantity - missing
            raise InsufficientStock(
                f"only {found.normalize():f} {unit} of item "
                f"{request.item.item_no} can be picked in the order's warehouse (released, "
                f"unexpired batches on usable locations); {request.quantity.normalize():f} "
                f"{unit} requested",
                field=f"{request.field}.quantity" if request.field != "lines" else "lines",
                item_id=item_id,
                available=str(found),
                requested=str(request.quantity),
            )
        picks += [
            _Pick(request.line, a.row.location_id, a.row.batch_id, a.quantity) for a in allocations
        ]
    return picks


def _replayed(
    session: Session, order_id: int, data: DeliveryCreate, actor: str, key: str | None
) -> tuple[Delivery | None, str | None]:
    """(the delivery posted earlier with ``key``, or None; the request's fingerprint).
    IdempotencyKeyReused when the key was used for another request."""
    if not key:
        return None, None
    fingerprint = request_fingerprint(
        {"order_id": order_id, "body": data.model_dump(mode="json"), "actor": actor}
    )
    movement = find_by_idempotency_key(session, key, fingerprint)
    if movement is None:
        return None, fingerprint
    delivery = session.scalar(select(Delivery).where(Delivery.movement_id == movement.id))
    if delivery is None:
        raise IdempotencyKeyReused("this key was used for another posting", field="Idempotency-Key")
    return delivery, fingerprint


@use_case
def deliver(
    session: Session,
    order_id: int,
    data: DeliveryCreate,
    *,
    actor: str,
    idempotency_key: str | None = None,
) -> Delivery:
    """Deliver (part of) a confirmed order: pick, post the stock issue, record the batches,
    release the reservation. With ``idempotency_key`` a repeated request (a double click)
    returns the first delivery; the order's row lock makes two at once run one after the
    other, so the second finds the first.

    Raises InvalidState (order not confirmed or partly delivered), CustomerBlocked,
    QuantityExceedsOrder, BatchNotUsable, InsufficientStock, IdempotencyKeyReused (409),
    InvalidInput (422).
    """
    order = get_order(session, order_id, lock=True)
    earlier, fingerprint = _replayed(session, order_id, data, actor, idempotency_key)
    if earlier is not None:
        return earlier
    if order.status not in DELIVERABLE:
        raise InvalidState(
            f"order {order.order_no} is {order.status.value}; only confirmed orders are delivered"
        )
    ensure_not_blocked(get_customer(session, order.customer_id))
    requests = _requests(session, order, data)
    if not requests:
        raise InvalidState(f"order {order.order_no} has nothing left to deliver")
    for item_id in sorted({r.item.id for r in requests}):
        lock_item(session, item_id)  # the stock picked cannot go elsewhere meanwhile
    picks = _pick(session, order, requests)
    delivery = Delivery(
        delivery_no=next_number(session, "LS"),
        sales_order_id=order.id,
        customer_id=order.customer_id,
        warehouse_id=order.warehouse_id,
        status=DeliveryStatus.posted,
        delivered_at=utcnow(),
        delivered_by=actor,
        note=data.note,
    )
    session.add(delivery)
    session.flush()
    movement = post_movement(
        session,
        MovementType.issue,
        [
            PostingLine(
                item_id=p.line.item_id,
                location_id=p.location_id,
                quantity=p.quantity,
                batch_id=p.batch_id,
            )
            for p in picks
        ],
        actor=actor,
        reference=delivery.delivery_no,
        document_type=DOCUMENT_TYPE,
        document_id=delivery.id,
        idempotency_key=idempotency_key or None,
        request_hash=fingerprint,
    )
    delivery.movement_id = movement.id
    delivery.lines = [
        DeliveryLine(
            order_line_id=p.line.id,
            item_id=p.line.item_id,
            batch_id=p.batch_id,
            location_id=p.location_id,
            quantity=p.quantity,
        )
        for p in picks
    ]
    delivered: dict[int, Decimal] = defaultdict(Decimal)
    for p in picks:
        delivered[p.line.id] += p.quantity
    for line in order.lines:
        if line.id in delivered:
            line.delivered_quantity += delivered[line.id]
            release(
                session,
                document_type=RESERVATION_DOCUMENT,
                document_id=order.id,
                document_line_id=line.id,
                quantity=delivered[line.id],
            )
    refresh_status(order)
    session.flush()
    return delivery


@use_case
def cancel_delivery(session: Session, delivery_id: int, *, reason: str, actor: str) -> Delivery:
    """Take back an uninvoiced delivery: reverse its stock issue (the goods come back at the
    cost they left with), reduce the delivered quantities and reserve them again.

    InvalidState when the delivery is cancelled or invoiced already (invoiced goods are
    corrected by credit note), or the order is closed or cancelled.
    """
    # Lock order before delivery, as invoicing does (it locks the order, then its deliveries).
    order = get_order(session, get_delivery(session, delivery_id).sales_order_id, lock=True)
    delivery = get_delivery(session, delivery_id, lock=True)
    if delivery.status != DeliveryStatus.posted:
        raise InvalidState(f"delivery {delivery.delivery_no} is already cancelled")
    if delivery.invoice_id is not None:
        raise InvalidState(
            f"delivery {delivery.delivery_no} is invoiced; correct it with a credit note"
        )
    if order.status in (SalesOrderStatus.closed, SalesOrderStatus.cancelled):
        raise InvalidState(f"order {order.order_no} is {order.status.value}")
    assert delivery.movement_id is not None
    reversal = reverse_movement(
        session,
        delivery.movement_id,
        reason=reason,
        actor=actor,
        document_type=DOCUMENT_TYPE,
        document_id=delivery.id,
        own_document=True,
    )
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for dl in delivery.lines:
        returned[dl.order_line_id] += dl.quantity
    for line in order.lines:
        if line.id in returned:
            line.delivered_quantity -= returned[line.id]
            reserve(
                session,
                item_id=line.item_id,
                warehouse_id=order.warehouse_id,
                quantity=returned[line.id],
                document_type=RESERVATION_DOCUMENT,
                document_id=order.id,
                document_line_id=line.id,
                strict=False,  # the goods are back on hand: reserve them again as they were
            )
    delivery.status = DeliveryStatus.cancelled
    delivery.cancelled_at = utcnow()
    delivery.cancelled_by = actor
    delivery.cancel_reason = reason
    delivery.reversal_movement_id = reversal.id
    refresh_status(order)
    session.flush()
    return delivery


@dataclass(frozen=True)
class StockChoice:
    """Stock of an order line's item in the order's warehouse, and what FEFO takes of it.
    ``unusable`` says why it cannot be delivered (recalled, blocked, expired on …, or
    ``location`` for a blocked location or one being counted); then ``proposed`` is 0."""

    location_id: int
    location_code: str
    batch_id: int | None
    batch_no: str | None
    best_before: date | None
    batch_status: BatchStatus | None
    on_hand: Decimal
    proposed: Decimal
    unusable: str | None


@dataclass(frozen=True)
class LineProposal:
    line: SalesOrderLine
    item: Item
    open_quantity: Decimal  # base unit
    shortage: Decimal
    stock: list[StockChoice]


def delivery_proposal(session: Session, order_id: int) -> list[LineProposal]:
    """What a delivery of everything still open would take, line by line, first expired
    first out, beside every stock row of the item in the order's warehouse (read-only).
    The lines of one item share its stock, as in :func:`deliver`."""
    order = get_order(session, order_id)
    today = business_today(settings_of(session))
    stock: dict[int, FefoStock] = {}
    levels: dict[int, list[Any]] = {}
    proposals: list[LineProposal] = []
    for line in order.lines:
        open_quantity = line.quantity - line.delivered_quantity
        if open_quantity <= 0:
            continue
        item = get_item(session, line.item_id)
        if item.id not in stock:
            stock[item.id] = fefo_stock(session, item.id, order.warehouse_id)
            levels[item.id] = list(
                session.execute(
                    level_query(session, item_id=item.id, warehouse_id=order.warehouse_id)
                )
            )
        allocations, shortage = stock[item.id].take(open_quantity)
        proposed = {(a.row.location_id, a.row.batch_id): a.quantity for a in allocations}
        pickable = {(r.location_id, r.batch_id) for r in stock[item.id].rows}
        choices = []
        for row in levels[item.id]:
            if row.quantity <= 0:
                continue
            key = (row.location_id, row.batch_id)
            reason = None
            if key not in pickable:
                reason = (
                    unusable_reason(row.batch_status, row.best_before, today)
                    if row.batch_id is not None
                    else None
                ) or "location"
            choices.append(
                StockChoice(
                    location_id=row.location_id,
                    location_code=row.location_code,
                    batch_id=row.batch_id,
                    batch_no=row.batch_no,
                    best_before=row.best_before,
                    batch_status=row.batch_status,
                    on_hand=row.quantity,
                    proposed=proposed.get(key, ZERO),
                    unusable=reason,
                )
            )
        proposals.append(LineProposal(line, item, open_quantity, shortage, choices))
    return proposals
