"""Goods receipts: stock arrives through the ledger at the order's net unit price.

Each receipt posts one stock receipt (document type ``goods_receipt``) into the given
locations, in batches that are created (with the supplier and its batch number) or reused;
the moving average of each item moves with the order price. More than ordered is accepted
only within the configured tolerance. A receipt can be reversed while its stock is still
there (the reversal would otherwise drive a level negative and is refused).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory.batches import find_batch, get_batch, new_batch
from landkontor.inventory.errors import IdempotencyKeyReused
from landkontor.inventory.models import BatchOrigin, MovementType, StockMovement
from landkontor.inventory.posting import (
    PostingLine,
    get_movement,
    post_idempotent,
    post_movement,
    request_fingerprint,
    reverse_movement,
)
from landkontor.inventory.schemas import NewBatch
from landkontor.numbering.service import next_number
from landkontor.purchasing.errors import OverReceipt
from landkontor.purchasing.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    GoodsReceiptStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from landkontor.purchasing.orders import get_order, refresh_status
from landkontor.purchasing.schemas import GoodsReceiptCreate, ReceiptLineIn

DOCUMENT_TYPE = "goods_receipt"
# A received order still takes goods within the tolerance until it is closed.
RECEIVABLE = (
    PurchaseOrderStatus.ordered,
    PurchaseOrderStatus.partially_received,
    PurchaseOrderStatus.received,
)
HUNDRED = Decimal(100)


def get_receipt(session: Session, receipt_id: int, *, lock: bool = False) -> GoodsReceipt:
    return fetch(session, GoodsReceipt, receipt_id, kind="goods receipt", lock=lock)


def receipt_query(
    *, purchase_order_id: int | None = None, supplier_id: int | None = None
) -> Select[Any]:
    stmt = select(GoodsReceipt).order_by(GoodsReceipt.id.desc())
    if purchase_order_id is not None:
        stmt = stmt.where(GoodsReceipt.purchase_order_id == purchase_order_id)
    if supplier_id is not None:
        stmt = stmt.where(GoodsReceipt.supplier_id == supplier_id)
    return stmt


def list_receipts(session: Session, params: PageParams, **filters: Any) -> tuple[list, int]:
    return paginate(session, receipt_query(**filters), params)


def allowed_quantity(ordered: Decimal, tolerance_percent: Decimal) -> Decimal:
    """The most that may be received for an ordered quantity (over-receipt tolerance)."""
    return ordered * (HUNDRED + tolerance_percent) / HUNDRED


def _batch_id(
    session: Session, order: PurchaseOrder, item: Item, given: ReceiptLineIn, field: str
) -> int | None:
    if not item.batch_managed:
        if given.batch_id is not None or given.batch is not None:
            raise InvalidInput(f"item {item.item_no} is not batch-managed", field=f"{field}.batch")
        return None
    if given.batch_id is not None and given.batch is not None:
        raise InvalidInput("give batch_id or batch, not both", field=f"{field}.batch")
    if given.batch_id is not None:
        batch = get_batch(session, given.batch_id, field=f"{field}.batch_id")
        if batch.item_id != item.id:
            raise InvalidInput(
                f"batch {batch.batch_no} is not of item {item.item_no}", field=f"{field}.batch_id"
            )
        return batch.id
    if given.batch is None:
        raise InvalidInput(
            f"item {item.item_no} is batch-managed: give batch (number, best-before) or batch_id",
            field=f"{field}.batch",
        )
    existing = find_batch(session, item.id, given.batch.batch_no)
    if existing is not None:
        return existing.id
    spec = NewBatch(
        batch_no=given.batch.batch_no,
        supplier_batch_no=given.batch.supplier_batch_no,
        supplier_id=order.supplier_id,
        production_date=given.batch.production_date,
        best_before=given.batch.best_before,
    )
    return new_batch(
        session, item, spec, origin=BatchOrigin.receipt, field=f"{field}.batch.batch_no"
    ).id


def _receipt_lines(
    session: Session, order: PurchaseOrder, data: GoodsReceiptCreate
) -> list[GoodsReceiptLine]:
    by_id = {line.id: line for line in order.lines}
    tolerance = settings_of(session).purchase_over_receipt_percent
    arriving: dict[int, Decimal] = defaultdict(Decimal)
    lines = []
    for index, given in enumerate(data.lines):
        field = f"lines[{index}]"
        order_line: PurchaseOrderLine | None = by_id.get(given.order_line_id)
        if order_line is None:
            raise InvalidInput(
                f"purchase order {order.order_no} has no line {given.order_line_id}",
                field=f"{field}.order_line_id",
            )
        item = get_item(session, order_line.item_id)
        quantity = to_base_quantity(
            session, item, given.quantity, given.unit, field=f"{field}.quantity"
        ).quantity
        arriving[order_line.id] += quantity
        limit = allowed_quantity(order_line.quantity, tolerance)
        if order_line.received_quantity + arriving[order_line.id] > limit:
            raise OverReceipt(
                f"line {order_line.line_no}: {order_line.quantity.normalize():f} "
                f"{item.base_unit.code} ordered, {order_line.received_quantity.normalize():f} "
                f"received; {arriving[order_line.id].normalize():f} more exceeds the "
                f"{tolerance.normalize():f} % tolerance",
                field=f"{field}.quantity",
                ordered=str(order_line.quantity),
                received=str(order_line.received_quantity),
                allowed=str(limit),
            )
        location_id = given.location_id or data.location_id
        if location_id is None:
            raise InvalidInput("where do the goods go? give location_id", field="location_id")
        lines.append(
            GoodsReceiptLine(
                order_line_id=order_line.id,
                item_id=item.id,
                batch_id=_batch_id(session, order, item, given, field),
                location_id=location_id,
                quantity=quantity,
                unit_cost=order_line.unit_price,
            )
        )
    return lines


@use_case
def receive(
    session: Session,
    order_id: int,
    data: GoodsReceiptCreate,
    *,
    actor: str,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> GoodsReceipt:
    """Receive goods against an ordered purchase order and post them into stock.

    Raises InvalidState (order not ordered), OverReceipt, BatchNotUsable (a recalled batch),
    LocationNotUsable (409); InvalidInput (422: unknown line, location, batch).
    """
    order = get_order(session, order_id, lock=True)
    if order.status not in RECEIVABLE:
        raise InvalidState(
            f"purchase order {order.order_no} is {order.status.value}; goods are received "
            "only against ordered purchase orders"
        )
    lines = _receipt_lines(session, order, data)
    receipt = GoodsReceipt(
        receipt_no=next_number(session, "WE"),
        purchase_order_id=order.id,
        supplier_id=order.supplier_id,
        status=GoodsReceiptStatus.posted,
        received_at=utcnow(),
        received_by=actor,
        delivery_note_no=data.delivery_note_no,
        note=data.note,
        lines=lines,
    )
    session.add(receipt)
    session.flush()
    movement = post_movement(
        session,
        MovementType.receipt,
        [
            PostingLine(
                item_id=line.item_id,
                location_id=line.location_id,
                quantity=line.quantity,
                batch_id=line.batch_id,
                unit_cost=line.unit_cost,
            )
            for line in lines
        ],
        actor=actor,
        reference=receipt.receipt_no,
        document_type=DOCUMENT_TYPE,
        document_id=receipt.id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    receipt.movement_id = movement.id
    by_id = {line.id: line for line in order.lines}
    for line in lines:
        by_id[line.order_line_id].received_quantity += line.quantity
    refresh_status(order)
    session.flush()
    return receipt


def receive_once(
    session: Session, order_id: int, data: GoodsReceiptCreate, *, actor: str, key: str | None
) -> tuple[GoodsReceipt, bool]:
    """Receive goods once per idempotency key (a resent form). Returns (receipt, replayed).

    The key is the receipt's stock movement's, so the ledger's unique key settles two
    requests at the same time; the same key with other values is IdempotencyKeyReused."""
    fingerprint = request_fingerprint(
        {"order": order_id, "body": data.model_dump(mode="json"), "actor": actor}
    )

    def post() -> StockMovement:
        receipt = receive(
            session, order_id, data, actor=actor, idempotency_key=key, request_hash=fingerprint
        )
        return get_movement(session, receipt.movement_id or 0)

    movement, replayed = post_idempotent(session, key, fingerprint, post)
    receipt = session.scalar(select(GoodsReceipt).where(GoodsReceipt.movement_id == movement.id))
    if receipt is None:  # the key belongs to a movement that is no goods receipt
        raise IdempotencyKeyReused("this idempotency key was used for another request")
    return receipt, replayed


@use_case
def reverse_receipt(session: Session, receipt_id: int, *, reason: str, actor: str) -> GoodsReceipt:
    """Reverse a goods receipt (wrong quantity, wrong item): the stock leaves again at the
    current average and the order counts the quantity as not received.

    InvalidState when reversed already or the order is closed or cancelled;
    InsufficientStock (409) when part of the stock is no longer there.
    """
    order = get_order(session, get_receipt(session, receipt_id).purchase_order_id, lock=True)
    receipt = get_receipt(session, receipt_id, lock=True)
    if receipt.status != GoodsReceiptStatus.posted:
        raise InvalidState(f"goods receipt {receipt.receipt_no} is reversed already")
    if order.status not in (PurchaseOrderStatus.partially_received, PurchaseOrderStatus.received):
        raise InvalidState(f"purchase order {order.order_no} is {order.status.value}")
    assert receipt.movement_id is not None
    reversal = reverse_movement(
        session,
        receipt.movement_id,
        reason=reason,
        actor=actor,
        document_type=DOCUMENT_TYPE,
        document_id=receipt.id,
        own_document=True,
    )
    by_id = {line.id: line for line in order.lines}
    for line in receipt.lines:
        by_id[line.order_line_id].received_quantity -= line.quantity
    receipt.status = GoodsReceiptStatus.reversed
    receipt.reversed_at = utcnow()
    receipt.reversed_by = actor
    receipt.reverse_reason = reason
    receipt.reversal_movement_id = reversal.id
    refresh_status(order)
    session.flush()
    return receipt
