"""Request and response models of purchase orders and goods receipts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from landkontor.catalog.schemas import Price, UnitRef
from landkontor.common.bounds import BusinessDate, Id, Note, single_line
from landkontor.common.schemas import InputModel, OutputModel, PositiveDecimal
from landkontor.inventory.schemas import BatchNo, SupplierBatchNo
from landkontor.purchasing.models import (
    GoodsReceipt,
    GoodsReceiptStatus,
    PurchaseOrder,
    PurchaseOrderStatus,
)

SupplierReference = single_line(PurchaseOrder.supplier_reference)
DeliveryNoteNo = single_line(GoodsReceipt.delivery_note_no)

MAX_LINES = 500


class PurchaseOrderLineIn(InputModel):
    item_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = Field(None, description="Default: the base unit.")
    unit_price: Price = Field(description="Net EUR per base unit of the item.")


class PurchaseOrderCreate(InputModel):
    supplier_id: Id
    order_date: BusinessDate | None = Field(None, description="Default today.")
    expected_date: BusinessDate | None = None
    supplier_reference: SupplierReference = ""
    note: Note = ""
    lines: list[PurchaseOrderLineIn] = Field(default_factory=list, max_length=MAX_LINES)


class PurchaseOrderLineOut(OutputModel):
    id: int
    line_no: int
    item_id: int
    quantity: Decimal
    entered_quantity: Decimal
    entered_unit: str
    unit_price: Decimal
    net_amount: Decimal
    received_quantity: Decimal


class PurchaseOrderOut(OutputModel):
    id: int
    order_no: str
    supplier_id: int
    status: PurchaseOrderStatus
    order_date: date
    expected_date: date | None
    supplier_reference: str
    note: str
    created_by: str
    created_at: datetime
    ordered_at: datetime | None
    lines: list[PurchaseOrderLineOut]
    net_total: Decimal = Decimal(0)


class ReceiptBatchIn(InputModel):
    """The batch the goods arrive in: an existing number of the item is reused."""

    batch_no: BatchNo
    supplier_batch_no: SupplierBatchNo | None = None
    production_date: BusinessDate | None = None
    best_before: BusinessDate | None = Field(
        None, description="Default: from the item's shelf life."
    )


class ReceiptLineIn(InputModel):
    order_line_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = None
    location_id: Id | None = Field(None, description="Default: the receipt's location_id.")
    batch_id: Id | None = Field(None, description="Batch-managed items: an existing batch …")
    batch: ReceiptBatchIn | None = Field(None, description="… or this one (created if new).")


class GoodsReceiptCreate(InputModel):
    location_id: Id | None = Field(None, description="Where the goods go, unless per line.")
    delivery_note_no: DeliveryNoteNo = Field("", description="The supplier's Lieferschein.")
    note: Note = ""
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=MAX_LINES)


class GoodsReceiptLineOut(OutputModel):
    id: int
    order_line_id: int
    item_id: int
    batch_id: int | None
    location_id: int
    quantity: Decimal
    unit_cost: Decimal


class GoodsReceiptOut(OutputModel):
    id: int
    receipt_no: str
    purchase_order_id: int
    supplier_id: int
    status: GoodsReceiptStatus
    received_at: datetime
    received_by: str
    delivery_note_no: str
    note: str
    movement_id: int | None
    reversed_at: datetime | None
    reversed_by: str | None
    reverse_reason: str
    reversal_movement_id: int | None
    lines: list[GoodsReceiptLineOut]
