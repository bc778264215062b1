"""Batch tracing for QS: backward to suppliers and goods receipts, forward to customers and
deliveries, the recall report and the recall itself.

The genealogy walk is one recursive query (inventory.genealogy.trace); everything around it
is a handful of set-based queries over the batches found — never the graph in Python.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.lookup import fetch, locked
from landkontor.db.session import use_case
from landkontor.inventory import genealogy
from landkontor.inventory.batches import record_status
from landkontor.inventory.genealogy import Direction
from landkontor.inventory.models import Batch, BatchStatus, Location, StockLevel, StockMix
from landkontor.partners.models import Customer, Supplier
from landkontor.production.models import OrderOutput, ProductionOrder
from landkontor.production.schemas import (
    AffectedCustomer,
    DeliveryRef,
    MadeByRef,
    PartnerRef,
    RecallReportOut,
    ReceiptRef,
    StockRef,
    TracedBatchOut,
    TraceOut,
)
from landkontor.purchasing.models import GoodsReceipt, GoodsReceiptLine, GoodsReceiptStatus
from landkontor.sales.models import Delivery, DeliveryLine, DeliveryStatus


def _batches(session: Session, depths: dict[int, int]) -> dict[int, TracedBatchOut]:
    rows = session.execute(
        select(Batch, Item.item_no, Item.name, Supplier)
        .join(Item, Item.id == Batch.item_id)
        .outerjoin(Supplier, Supplier.id == Batch.supplier_id)
        .where(Batch.id.in_(depths))
    )
    return {
        batch.id: TracedBatchOut(
            batch_id=batch.id,
            batch_no=batch.batch_no,
            item_id=batch.item_id,
            item_no=item_no,
            item_name=item_name,
            depth=depths[batch.id],
            status=batch.status,
            best_before=batch.best_before,
            origin=batch.origin.value,
            supplier=_supplier(supplier),
        )
        for batch, item_no, item_name, supplier in rows
    }


def _supplier(supplier: Supplier | None) -> PartnerRef | None:
    if supplier is None:
        return None
    return PartnerRef(id=supplier.id, number=supplier.supplier_no, name=supplier.name)


def _customer(customer: Customer) -> PartnerRef:
    return PartnerRef(id=customer.id, number=customer.customer_no, name=customer.name)


def _receipts(session: Session, batch_ids: list[int]) -> list[ReceiptRef]:
    rows = session.execute(
        select(GoodsReceiptLine, GoodsReceipt, Supplier)
        .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
        .join(Supplier, Supplier.id == GoodsReceipt.supplier_id)
        .where(
            GoodsReceiptLine.batch_id.in_(batch_ids),
            GoodsReceipt.status != GoodsReceiptStatus.reversed,
        )
        .order_by(GoodsReceipt.received_at, GoodsReceiptLine.id)
    )
    return [
        ReceiptRef(
            batch_id=line.batch_id,
            goods_receipt_id=receipt.id,
            receipt_no=receipt.receipt_no,
            supplier=_supplier(supplier),
            received_at=receipt.received_at,
            quantity=line.quantity,
            delivery_note_no=receipt.delivery_note_no,
        )
        for line, receipt, supplier in rows
    ]


def _made_by(session: Session, batch_ids: list[int]) -> list[MadeByRef]:
    produced = session.execute(
        select(OrderOutput.batch_id, ProductionOrder.id, ProductionOrder.number)
        .join(ProductionOrder, ProductionOrder.id == OrderOutput.order_id)
        .where(OrderOutput.batch_id.in_(batch_ids))
    )
    mixed = session.execute(
        select(StockMix.output_batch_id, StockMix.id, StockMix.reference).where(
            StockMix.output_batch_id.in_(batch_ids)
        )
    )
    return [
        MadeByRef(batch_id=b, document_type="production_order", document_id=i, number=n)
        for b, i, n in produced
    ] + [
        MadeByRef(batch_id=b, document_type="mix", document_id=i, number=r or None)
        for b, i, r in mixed
    ]


def _deliveries(session: Session, batch_ids: list[int]) -> list[DeliveryRef]:
    rows = session.execute(
        select(DeliveryLine, Delivery, Customer)
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .join(Customer, Customer.id == Delivery.customer_id)
        .where(
            DeliveryLine.batch_id.in_(batch_ids),
            Delivery.status != DeliveryStatus.cancelled,
        )
        .order_by(Delivery.delivered_at, DeliveryLine.id)
    )
    return [
        DeliveryRef(
            batch_id=line.batch_id,
            delivery_id=delivery.id,
            delivery_no=delivery.delivery_no,
            customer=_customer(customer),
            delivered_at=delivery.delivered_at,
            item_id=line.item_id,
            quantity=line.quantity,
        )
        for line, delivery, customer in rows
    ]


def _family(
    session: Session, batch_id: int, direction: Direction, depth: int | None
) -> tuple[TracedBatchOut, list[TracedBatchOut]]:
    fetch(session, Batch, batch_id, kind="batch")
    depths = {t.batch_id: t.depth for t in genealogy.trace(session, batch_id, direction, depth)}
    depths[batch_id] = 0
    found = _batches(session, depths)
    root = found.pop(batch_id)
    return root, sorted(found.values(), key=lambda b: (b.depth, b.batch_id))


def trace(
    session: Session, batch_id: int, direction: Direction, depth: int | None = None
) -> TraceOut:
    """Backward: every ancestor batch with its supplier, the goods receipts and the
    production orders or mixes that made them. Forward: every descendant batch and every
    delivery of the batch or a descendant to customers."""
    root, batches = _family(session, batch_id, direction, depth)
    ids = [root.batch_id] + [b.batch_id for b in batches]
    out = TraceOut(batch=root, direction=direction.value, depth=depth, batches=batches)
    if direction == Direction.backward:
        out.receipts = _receipts(session, ids)
        out.made_by = _made_by(session, ids)
    else:
        out.deliveries = _deliveries(session, ids)
    return out


def _stock(session: Session, batch_ids: list[int]) -> list[StockRef]:
    rows = session.execute(
        select(StockLevel, Location.code, Location.warehouse_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.batch_id.in_(batch_ids), StockLevel.quantity != 0)
        .order_by(StockLevel.batch_id, Location.code)
    )
    return [
        StockRef(
            batch_id=level.batch_id,
            item_id=level.item_id,
            location_id=level.location_id,
            location_code=code,
            warehouse_id=warehouse_id,
            quantity=level.quantity,
        )
        for level, code, warehouse_id in rows
    ]


def recall_report(session: Session, batch_id: int) -> RecallReportOut:
    """What a recall of this batch concerns: the batch and everything made from it, their
    stock by location, and every customer who received any of it, with quantities."""
    root, descendants = _family(session, batch_id, Direction.forward, None)
    affected = [root, *descendants]
    ids = [b.batch_id for b in affected]
    item_no = {b.item_id: b.item_no for b in affected}
    stock = _stock(session, ids)
    stock_total: dict[str, Decimal] = defaultdict(Decimal)
    for ref in stock:
        stock_total[item_no[ref.item_id]] += ref.quantity
    per_customer: dict[int, list[DeliveryRef]] = defaultdict(list)
    for delivery in _deliveries(session, ids):
        per_customer[delivery.customer.id].append(delivery)
    customers = []
    for refs in per_customer.values():
        quantities: dict[str, Decimal] = defaultdict(Decimal)
        for delivery in refs:
            quantities[item_no[delivery.item_id]] += delivery.quantity
        customers.append(
            AffectedCustomer(customer=refs[0].customer, deliveries=refs, quantities=quantities)
        )
    customers.sort(key=lambda c: c.customer.number)
    return RecallReportOut(
        batch=root,
        affected_batches=affected,
        stock=stock,
        stock_total=dict(stock_total),
        customers=customers,
    )


@use_case
def recall(session: Session, batch_id: int, reason: str, *, actor: str) -> RecallReportOut:
    """Recall a batch and everything made from it: each is marked ``recalled`` (with the
    reason, and for descendants the batch they were made from) in one transaction.

    Idempotent: batches already recalled stay as they are. Returns the recall report with
    the ids of the batches newly recalled.
    """
    fetch(session, Batch, batch_id, kind="batch")
    affected = [batch_id] + [
        t.batch_id for t in genealogy.trace(session, batch_id, Direction.forward)
    ]
    batches = session.scalars(
        locked(select(Batch).where(Batch.id.in_(affected)).order_by(Batch.id), of=Batch)
    ).all()
    changed = []
    for batch in batches:
        why = reason if batch.id == batch_id else f"{reason} (made from recalled batch {batch_id})"
        if batch.status != BatchStatus.recalled:
            record_status(session, batch, BatchStatus.recalled, why, actor)
            changed.append(batch.id)
    session.flush()
    report = recall_report(session, batch_id)
    report.newly_recalled = changed
    return report
