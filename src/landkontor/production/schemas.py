"""Request and response models of recipes, production orders and traces."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from landkontor.catalog.schemas import UnitRef
from landkontor.common import bounds
from landkontor.common.bounds import BusinessDate, Id, Note, Reason, single_line
from landkontor.common.schemas import InputModel, OutputModel, PositiveDecimal
from landkontor.inventory.models import BatchStatus
from landkontor.production.models import BillOfMaterials, OrderStatus

BomName = single_line(BillOfMaterials.name)


class BomLineIn(InputModel):
    item_id: Id
    quantity: PositiveDecimal = Field(description="Per output quantity, in the unit given.")
    unit: UnitRef | None = None
    loss_percent: bounds.PercentBelow100 = Decimal(0)


class BomCreate(InputModel):
    item_id: Id
    name: BomName = ""
    output_quantity: PositiveDecimal
    unit: UnitRef | None = Field(None, description="Unit of output_quantity.")
    lines: list[BomLineIn] = Field(min_length=1, max_length=200)
    valid_from: BusinessDate | None = None
    valid_to: BusinessDate | None = None
    is_default: bool = True

    @model_validator(mode="after")
    def _validity(self) -> BomCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class BomUpdate(InputModel):
    name: BomName | None = None
    is_default: bool | None = None
    active: bool | None = None
    valid_to: BusinessDate | None = None


class BomLineOut(OutputModel):
    line_no: int
    item_id: int
    quantity: Decimal
    loss_percent: Decimal


class BomOut(OutputModel):
    id: int
    item_id: int
    version: int
    name: str
    output_quantity: Decimal
    valid_from: date | None
    valid_to: date | None
    is_default: bool
    active: bool
    lines: list[BomLineOut]


class OrderCreate(InputModel):
    item_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = None
    bom_id: Id | None = Field(None, description="Default: the item's default recipe.")
    warehouse_id: Id
    output_location_id: Id | None = None
    planned_date: BusinessDate | None = None
    conversion_cost: bounds.Money = Field(
        Decimal(0), description="Fixed cost of making the whole order (EUR), added to outputs."
    )
    note: Note = ""


class ReleaseIn(InputModel):
    strict: bool = Field(True, description="Refuse (409) when a component is short.")


class ConsumptionLineIn(InputModel):
    item_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = None
    batch_id: Id | None = Field(None, description="Explicit batch; default: FEFO proposal.")
    location_id: Id | None = Field(None, description="With batch_id: where it is taken from.")


class ConsumptionIn(InputModel):
    lines: list[ConsumptionLineIn] = Field(
        default_factory=list,
        description="Empty: consume what is still planned for every component, FEFO.",
        max_length=200,
    )


class OutputIn(InputModel):
    quantity: PositiveDecimal
    unit: UnitRef | None = None
    location_id: Id | None = Field(None, description="Default: the order's output location.")
    batch_no: bounds.BatchNo | None = None
    production_date: BusinessDate | None = None
    best_before: BusinessDate | None = None
    complete: bool = Field(False, description="Last output: completes the order.")


class CancelIn(InputModel):
    reason: Reason


class ComponentOut(OutputModel):
    line_no: int
    item_id: int
    planned_quantity: Decimal
    consumed_quantity: Decimal
    variance: Decimal = Decimal(0)
    consumed_value: Decimal


class OutputOut(OutputModel):
    batch_id: int | None
    location_id: int
    quantity: Decimal
    value: Decimal
    movement_id: int
    posted_by: str
    posted_at: datetime


class OrderOut(OutputModel):
    id: int
    number: str
    item_id: int
    bom_id: int
    warehouse_id: int
    output_location_id: int | None
    planned_quantity: Decimal
    produced_quantity: Decimal
    planned_date: date | None
    status: OrderStatus
    conversion_cost: Decimal
    wip_value: Decimal
    note: str
    created_by: str
    created_at: datetime
    released_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    components: list[ComponentOut]
    outputs: list[OutputOut]
    shortages: list[dict[str, Any]] = Field(default_factory=list)


class PartnerRef(OutputModel):
    id: int
    number: str
    name: str


class TracedBatchOut(OutputModel):
    batch_id: int
    batch_no: str
    item_id: int
    item_no: str
    item_name: str
    depth: int
    status: BatchStatus
    best_before: date | None
    origin: str
    supplier: PartnerRef | None = None


class ReceiptRef(OutputModel):
    batch_id: int
    goods_receipt_id: int
    receipt_no: str
    supplier: PartnerRef
    received_at: datetime
    quantity: Decimal
    delivery_note_no: str


class MadeByRef(OutputModel):
    batch_id: int
    document_type: str  # production_order or mix
    document_id: int
    number: str | None


class DeliveryRef(OutputModel):
    batch_id: int
    delivery_id: int
    delivery_no: str
    customer: PartnerRef
    delivered_at: datetime
    item_id: int
    quantity: Decimal


class TraceOut(OutputModel):
    batch: TracedBatchOut
    direction: str
    depth: int | None
    batches: list[TracedBatchOut]
    receipts: list[ReceiptRef] = Field(default_factory=list)
    made_by: list[MadeByRef] = Field(default_factory=list)
    deliveries: list[DeliveryRef] = Field(default_factory=list)


class StockRef(OutputModel):
    batch_id: int
    item_id: int
    location_id: int
    location_code: str
    warehouse_id: int
    quantity: Decimal


class AffectedCustomer(OutputModel):
    customer: PartnerRef
    deliveries: list[DeliveryRef]
    quantities: dict[str, Decimal] = Field(description="Delivered quantity per item number.")


class RecallReportOut(OutputModel):
    batch: TracedBatchOut
    affected_batches: list[TracedBatchOut]
    stock: list[StockRef]
    stock_total: dict[str, Decimal] = Field(description="Quantity on hand per item number.")
    customers: list[AffectedCustomer]
    newly_recalled: list[int] = Field(default_factory=list)
