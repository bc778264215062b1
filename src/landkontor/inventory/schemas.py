"""Request and response models of the inventory domain."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from landkontor.catalog.schemas import UnitRef
from landkontor.common import bounds
from landkontor.common.bounds import BusinessDate, Id, Note, Reason, code, free_text, single_line
from landkontor.common.schemas import (
    AnyDecimal,
    Code,
    InputModel,
    Name,
    NonNegativeDecimal,
    OutputModel,
    PositiveDecimal,
)
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    BatchStatus,
    Location,
    LocationKind,
    MovementType,
    StockMovement,
    StocktakeStatus,
    Warehouse,
)

Reference = single_line(StockMovement.reference)
BatchNo = bounds.BatchNo
SupplierBatchNo = single_line(Batch.supplier_batch_no)
WarehouseCode = code(Warehouse.code)
LocationCode = code(Location.code)
Address = free_text(Warehouse.address)


# --- warehouses and locations --------------------------------------------------------
class WarehouseCreate(InputModel):
    code: WarehouseCode
    name: Name
    address: Address = ""
    active: bool = True


class WarehouseUpdate(InputModel):
    name: Name | None = None
    address: Address | None = None
    active: bool | None = None


class WarehouseOut(OutputModel):
    id: int
    code: str
    name: str
    address: str
    active: bool


class LocationCreate(InputModel):
    warehouse_id: Id
    parent_id: Id | None = None
    code: LocationCode
    name: Name
    kind: LocationKind = LocationKind.bin
    capacity: PositiveDecimal | None = None
    capacity_item_id: Id | None = Field(
        None, description="Capacity is in this item's base unit; without it a plain number."
    )
    blocked: bool = False
    allow_negative_stock: bool = False


class LocationUpdate(InputModel):
    name: Name | None = None
    kind: LocationKind | None = None
    capacity: PositiveDecimal | None = None
    capacity_item_id: Id | None = None
    blocked: bool | None = None
    allow_negative_stock: bool | None = None


class LocationOut(OutputModel):
    id: int
    warehouse_id: int
    parent_id: int | None
    code: str
    name: str
    kind: LocationKind
    path: str
    capacity: Decimal | None
    capacity_item_id: int | None
    blocked: bool
    allow_negative_stock: bool


# --- batches ---------------------------------------------------------------------------
class BatchCreate(InputModel):
    item_id: Id
    batch_no: BatchNo
    origin: BatchOrigin = BatchOrigin.manual
    supplier_id: Id | None = None
    supplier_batch_no: SupplierBatchNo | None = None
    production_date: BusinessDate | None = None
    best_before: BusinessDate | None = Field(
        None, description="MHD; default: production date + the item's shelf life."
    )
    attributes: dict[str, Any] = Field(default_factory=dict)


class BatchUpdate(InputModel):
    best_before: BusinessDate | None = None
    supplier_batch_no: SupplierBatchNo | None = None
    attributes: dict[str, Any] | None = None


class BatchStatusIn(InputModel):
    status: BatchStatus
    reason: Reason


class BatchStatusChangeOut(OutputModel):
    from_status: BatchStatus | None
    to_status: BatchStatus
    reason: str
    changed_by: str
    changed_at: datetime


class BatchOut(OutputModel):
    id: int
    item_id: int
    batch_no: str
    origin: BatchOrigin
    supplier_id: int | None
    supplier_batch_no: str | None
    production_date: date | None
    best_before: date | None
    status: BatchStatus
    expired: bool = False
    attributes: dict[str, Any]
    created_at: datetime


class NewBatch(InputModel):
    """A batch created by a receipt line."""

    batch_no: BatchNo
    supplier_batch_no: SupplierBatchNo | None = None
    supplier_id: Id | None = None
    production_date: BusinessDate | None = None
    best_before: BusinessDate | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


# --- movements -------------------------------------------------------------------------
class MovementLineIn(InputModel):
    item_id: Id
    quantity: AnyDecimal = Field(
        description="In `unit`; positive, except adjustments (signed, not zero)."
    )
    unit: UnitRef | None = Field(None, description="Default: the item's base unit.")
    location_id: Id = Field(description="Where stock is (transfers: from here).")
    to_location_id: Id | None = Field(None, description="Transfers: to here.")
    batch_id: Id | None = None
    batch: NewBatch | None = Field(None, description="Receipts: create this batch.")
    unit_cost: bounds.UnitCost | None = Field(
        None, description="Receipts and positive adjustments: cost per entered unit."
    )


class MovementIn(InputModel):
    type: MovementType
    reference: Reference = ""
    reason: Note = ""
    lines: list[MovementLineIn] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _type_rules(self) -> MovementIn:
        if self.type == MovementType.reversal:
            raise ValueError("post reversals with POST /stock/movements/{id}/reverse")
        if self.type == MovementType.adjustment and not self.reason.strip():
            raise ValueError("an adjustment needs a reason")
        return self


class ReverseIn(InputModel):
    reason: Reason


class LedgerEntryOut(OutputModel):
    id: int
    movement_id: int
    line_no: int
    item_id: int
    location_id: int
    batch_id: int | None
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    entered_quantity: Decimal
    entered_unit: str
    posted_at: datetime


class LedgerLineOut(LedgerEntryOut):
    movement_type: MovementType
    reference: str
    document_type: str | None
    document_id: int | None
    posted_by: str

    @classmethod
    def from_row(cls, row: Any) -> LedgerLineOut:
        entry = LedgerEntryOut.model_validate(row[0]).model_dump()
        return cls(
            **entry,
            movement_type=row.movement_type,
            reference=row.reference,
            document_type=row.document_type,
            document_id=row.document_id,
            posted_by=row.posted_by,
        )


class MovementOut(OutputModel):
    id: int
    movement_type: MovementType
    reference: str
    reason: str
    document_type: str | None
    document_id: int | None
    reverses_id: int | None
    posted_by: str
    posted_at: datetime
    lines: list[LedgerEntryOut]


# --- reading stock ---------------------------------------------------------------------
class StockLevelOut(OutputModel):
    item_id: int
    item_no: str
    location_id: int
    location_code: str
    warehouse_id: int
    batch_id: int | None
    batch_no: str | None
    best_before: date | None
    batch_status: BatchStatus | None
    quantity: Decimal
    unit: str


class AvailabilityOut(OutputModel):
    item_id: int
    warehouse_id: int | None
    unit: str
    on_hand: Decimal
    unusable: Decimal = Field(description="On blocked/recalled/expired batches or locations.")
    reserved: Decimal
    available: Decimal


class ValuationRow(OutputModel):
    item_id: int
    item_no: str
    warehouse_id: int | None = None
    quantity: Decimal
    value: Decimal
    average_cost: Decimal | None


class ValuationOut(OutputModel):
    as_of: datetime | None
    by_warehouse: bool
    rows: list[ValuationRow]
    total_value: Decimal


class PickLine(OutputModel):
    location_id: int
    location_code: str
    batch_id: int | None
    batch_no: str | None
    best_before: date | None
    quantity: Decimal


class PickProposalOut(OutputModel):
    item_id: int
    requested: Decimal
    unit: str
    proposed: Decimal
    shortage: Decimal
    lines: list[PickLine]


# --- stocktaking -----------------------------------------------------------------------
class StocktakeCreate(InputModel):
    location_ids: list[Id] = Field(min_length=1, max_length=5000)
    note: Note = ""


class CountIn(InputModel):
    item_id: Id
    location_id: Id
    batch_id: Id | None = None
    counted_quantity: NonNegativeDecimal
    unit: UnitRef | None = None


class CountsIn(InputModel):
    counts: list[CountIn] = Field(min_length=1, max_length=5000)


class StocktakeLineOut(OutputModel):
    id: int
    item_id: int
    location_id: int
    batch_id: int | None
    expected_quantity: Decimal
    counted_quantity: Decimal | None
    difference: Decimal | None = None


class StocktakeOut(OutputModel):
    id: int
    warehouse_id: int
    status: StocktakeStatus
    note: str
    opened_by: str
    created_at: datetime
    posted_by: str | None
    posted_at: datetime | None
    movement_id: int | None
    location_ids: list[int]
    lines: list[StocktakeLineOut]


# --- mixing ----------------------------------------------------------------------------
class MixInput(InputModel):
    item_id: Id
    batch_id: Id | None = None
    location_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = None


class MixOutput(InputModel):
    item_id: Id
    location_id: Id
    batch: NewBatch
    quantity: PositiveDecimal | None = Field(
        None, description="Default: the sum of the inputs (same base unit)."
    )


class MixIn(InputModel):
    inputs: list[MixInput] = Field(min_length=1, max_length=100)
    output: MixOutput
    reference: Reference = ""
    reason: Note = ""


class MixOut(OutputModel):
    id: int
    output_batch_id: int | None
    reference: str
    reason: str
    created_by: str
    created_at: datetime


class RecallIn(InputModel):
    reason: Reason


# --- opening stock ---------------------------------------------------------------------
class OpeningStockIn(InputModel):
    """One opening balance (Anfangsbestand): stock of an item at a location, in a batch."""

    item_no: Code
    warehouse: Code = Field(description="Warehouse code.")
    location: Code = Field(description="Code of a leaf location in that warehouse.")
    batch_no: BatchNo | None = Field(None, description="Batch-managed items: created if new.")
    best_before: BusinessDate | None = Field(
        None, description="Of a new batch; default: shelf life."
    )
    quantity: PositiveDecimal
    unit: UnitRef | None = Field(None, description="Default: the base unit.")
    unit_cost: bounds.UnitCost = Field(description="EUR per entered unit (valuation).")
