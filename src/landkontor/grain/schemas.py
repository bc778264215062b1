"""Request and response models of grain intake.

Input bounds are the shared types of ``common/bounds.py``: what a request may hold is what the
columns store.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from landkontor.common.bounds import (
    AwareTimestamp,
    BusinessDate,
    HectolitreWeight,
    Id,
    Money,
    Name,
    Note,
    Percent,
    PercentBelow100,
    PositiveQuantity,
    SignedMoney,
    code,
    free_text,
    single_line,
)
from landkontor.common.schemas import InputModel, OutputModel
from landkontor.grain.models import (
    ContractPricing,
    ContractStatus,
    RejectAction,
    SettlementLineKind,
    Ticket,
    TicketStatus,
    VatRegime,
    Weighbridge,
    Weighing,
    WeighingKind,
)

FallingNumber = Annotated[int, Field(ge=0, le=10_000)]
Season = Annotated[int, Field(ge=2000, le=2999)]
RecordNo = single_line(Weighing.record_no, min_length=1)
VehiclePlate = single_line(Ticket.vehicle_plate, min_length=1)
Driver = single_line(Ticket.driver)


# --- master data --------------------------------------------------------------------------
class WeighbridgeIn(InputModel):
    warehouse_id: Id
    code: code(Weighbridge.code)
    name: Name


class WeighbridgeOut(OutputModel):
    id: int
    warehouse_id: int
    code: str
    name: str


class FarmerIn(InputModel):
    vat_regime: VatRegime


class FarmerOut(OutputModel):
    supplier_id: int
    vat_regime: VatRegime


class FlatRateVatIn(InputModel):
    valid_from: BusinessDate
    percent: PercentBelow100


class FlatRateVatOut(OutputModel):
    id: int
    valid_from: date
    percent: Decimal


class QualityClassIn(InputModel):
    code: code(Ticket.quality_class)
    name: single_line(100) = ""
    min_protein: Percent | None = None
    min_falling_number: FallingNumber | None = None
    min_hectolitre_weight: HectolitreWeight | None = None
    max_broken_grain: Percent | None = None
    premium_per_t: SignedMoney = Decimal(0)


class QualityTermsIn(InputModel):
    item_id: Id
    season: Season
    valid_from: BusinessDate
    base_moisture: PercentBelow100
    base_foreign_matter: PercentBelow100
    handling_loss_percent: PercentBelow100
    handling_loss_only_when_drying: bool = True
    drying_cost_per_t_point: Money = Decimal(0)
    cleaning_cost_per_t_point: Money = Decimal(0)
    reject_moisture_above: Percent | None = None
    reject_foreign_matter_above: Percent | None = None
    reject_action: RejectAction = RejectAction.refuse
    feed_grade_discount_per_t: Money = Decimal(0)
    classes: list[QualityClassIn] = Field(
        default_factory=list, max_length=20, description="Best class first."
    )


class QualityTermsOut(OutputModel):
    id: int
    item_id: int
    season: int
    valid_from: date
    base_moisture: Decimal
    base_foreign_matter: Decimal
    handling_loss_percent: Decimal
    handling_loss_only_when_drying: bool
    drying_cost_per_t_point: Decimal
    cleaning_cost_per_t_point: Decimal
    reject_moisture_above: Decimal | None
    reject_foreign_matter_above: Decimal | None
    reject_action: RejectAction
    feed_grade_discount_per_t: Decimal
    classes: list[dict]


class DayPriceIn(InputModel):
    warehouse_id: Id
    item_id: Id
    valid_on: BusinessDate
    price_per_t: Money


class DayPriceOut(OutputModel):
    id: int
    warehouse_id: int
    item_id: int
    valid_on: date
    price_per_t: Decimal


# --- tickets ------------------------------------------------------------------------------
class WeighingIn(InputModel):
    weight_kg: PositiveQuantity
    record_no: RecordNo = Field(description="The scale's own record number.")
    weighed_at: AwareTimestamp


class TicketCreate(InputModel):
    weighbridge_id: Id
    supplier_id: Id = Field(description="The farmer (a supplier).")
    item_id: Id = Field(description="The crop.")
    vehicle_plate: VehiclePlate
    driver: Driver = ""
    note: Note = ""
    gross: WeighingIn | None = Field(None, description="Manual entry of the first weighing.")
    tare: WeighingIn | None = Field(None, description="Manual entry of the second weighing.")


class WeighingPush(InputModel):
    """A weighing pushed by a weighbridge terminal; idempotent by the record number."""

    ticket_id: Id
    record_no: RecordNo
    weight_kg: PositiveQuantity
    weighed_at: AwareTimestamp
    kind: WeighingKind | None = Field(None, description="Default: gross first, then tare.")


class CorrectionIn(InputModel):
    reason: free_text(min_length=1)
    supplier_id: Id | None = None
    item_id: Id | None = None
    vehicle_plate: VehiclePlate | None = None
    driver: Driver | None = None
    gross: WeighingIn | None = Field(None, description="Default: the corrected ticket's.")
    tare: WeighingIn | None = Field(None, description="Default: the corrected ticket's.")


class AnalysisIn(InputModel):
    moisture: Percent
    foreign_matter: Percent
    broken_grain: Percent | None = None
    hectolitre_weight: HectolitreWeight | None = None
    protein: Percent | None = None
    falling_number: FallingNumber | None = None
    findings: Note = ""
    reason: Note = Field("", description="Required when replacing an analysis.")


class IntakeIn(InputModel):
    location_id: Id = Field(description="The silo cell.")


class WeighingOut(OutputModel):
    id: int
    weighbridge_id: int
    record_no: str
    kind: WeighingKind
    weight_kg: Decimal
    weighed_at: datetime
    manual: bool
    recorded_by: str


class AnalysisOut(OutputModel):
    id: int
    moisture: Decimal
    foreign_matter: Decimal
    broken_grain: Decimal | None
    hectolitre_weight: Decimal | None
    protein: Decimal | None
    falling_number: int | None
    findings: str
    replaces_id: int | None
    reason: str
    analysed_by: str
    analysed_at: datetime


class AllocationOut(OutputModel):
    id: int
    contract_id: int | None
    quantity_kg: Decimal
    day_price_per_t: Decimal | None
    automatic: bool


class TicketOut(OutputModel):
    id: int
    ticket_no: str
    warehouse_id: int
    weighbridge_id: int
    supplier_id: int
    item_id: int
    vehicle_plate: str
    driver: str
    note: str
    status: TicketStatus
    gross: WeighingOut | None = None
    tare: WeighingOut | None = None
    net_kg: Decimal | None
    corrects_ticket_id: int | None
    location_id: int | None
    lot_batch_id: int | None
    silo_batch_id: int | None
    quality_terms_id: int | None
    drying_shrink_kg: Decimal | None
    foreign_matter_kg: Decimal | None
    handling_loss_kg: Decimal | None
    settlement_kg: Decimal | None
    quality_class: str | None
    quality_premium_per_t: Decimal | None
    drying_cost: Decimal | None
    cleaning_cost: Decimal | None
    feed_grade: bool
    refused_reason: str | None
    taken_in_at: datetime | None
    settlement_id: int | None
    created_by: str
    created_at: datetime
    analysis: AnalysisOut | None = None
    analyses: list[AnalysisOut] = Field(default_factory=list)
    allocations: list[AllocationOut] = Field(default_factory=list)


# --- silo cells ---------------------------------------------------------------------------
class CellTransferIn(InputModel):
    """Umlagerung: grain from one silo cell into another cell's running silo batch."""

    from_location_id: Id
    to_location_id: Id
    quantity_kg: PositiveQuantity
    reason: Note = ""


class CellTransferOut(OutputModel):
    from_batch_id: int
    to_batch_id: int
    quantity_kg: Decimal
    mix_id: int


# --- contracts ----------------------------------------------------------------------------
class ContractCreate(InputModel):
    supplier_id: Id
    item_id: Id
    quantity_t: PositiveQuantity
    tolerance_percent: Percent = Decimal(0)
    delivery_from: BusinessDate
    delivery_to: BusinessDate
    pricing: ContractPricing
    price_per_t: Money | None = Field(None, description="Required for fixed pricing.")
    quality_note: Note = ""


class FixingIn(InputModel):
    fixed_on: BusinessDate
    quantity_t: PositiveQuantity
    price_per_t: Money


class FixingOut(OutputModel):
    id: int
    fixed_on: date
    quantity_t: Decimal
    price_per_t: Decimal
    created_by: str


class ContractOut(OutputModel):
    id: int
    contract_no: str
    supplier_id: int
    item_id: int
    quantity_t: Decimal
    tolerance_percent: Decimal
    delivery_from: date
    delivery_to: date
    pricing: ContractPricing
    price_per_t: Decimal | None
    quality_note: str
    status: ContractStatus
    created_by: str
    created_at: datetime
    allocated_kg: Decimal = Decimal(0)
    fixed_t: Decimal = Decimal(0)
    fixings: list[FixingOut] = Field(default_factory=list)


class AllocationPartIn(InputModel):
    contract_id: Id
    quantity_kg: PositiveQuantity


class AllocationIn(InputModel):
    """The ticket's allocation to contracts; what is left is bought at the day price."""

    parts: list[AllocationPartIn] = Field(default_factory=list, max_length=50)


# --- settlements --------------------------------------------------------------------------
class SettlementCreate(InputModel):
    supplier_id: Id
    ticket_ids: list[Id] = Field(min_length=1, max_length=500)
    settled_on: BusinessDate | None = Field(None, description="Default today (business date).")


class SettlementLineOut(OutputModel):
    line_no: int
    ticket_id: int
    contract_id: int | None
    kind: SettlementLineKind
    description: str
    quantity_kg: Decimal
    price_per_t: Decimal
    amount: Decimal


class SettlementOut(OutputModel):
    id: int
    settlement_no: str
    supplier_id: int
    supplier_name: str
    supplier_vat_id: str | None
    settled_on: date
    document_title: str
    vat_regime: VatRegime
    vat_percent: Decimal
    vat_note: str
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    created_by: str
    created_at: datetime
    ticket_ids: list[int] = Field(default_factory=list)
    lines: list[SettlementLineOut] = Field(default_factory=list)


# --- reports ------------------------------------------------------------------------------
class IntakeRow(OutputModel):
    day: date
    warehouse_id: int
    item_id: int
    tickets: int
    net_kg: Decimal
    settlement_kg: Decimal


class SiloLotRow(OutputModel):
    supplier_id: int | None
    supplier_name: str | None
    lot_batch_id: int
    batch_no: str
    quantity_kg: Decimal


class SiloContentRow(OutputModel):
    location_id: int
    location_code: str
    warehouse_id: int
    silo_batch_id: int | None
    batch_no: str | None
    quantity_kg: Decimal
    lots: list[SiloLotRow]
    average_moisture: Decimal | None
    average_protein: Decimal | None
    average_hectolitre_weight: Decimal | None


class OpenContractRow(OutputModel):
    contract_id: int
    contract_no: str
    supplier_id: int
    item_id: int
    quantity_t: Decimal
    delivered_kg: Decimal
    open_kg: Decimal
    delivery_to: date


class UnsettledRow(OutputModel):
    id: int
    ticket_no: str
    warehouse_id: int
    supplier_id: int
    item_id: int
    taken_in_on: date | None
    net_kg: Decimal | None
    settlement_kg: Decimal | None
    quality_class: str | None


class FarmerTraceRow(OutputModel):
    supplier_id: int
    supplier_no: str
    supplier_name: str
    ticket_id: int
    ticket_no: str
    lot_batch_id: int
    settlement_kg: Decimal
    taken_in_on: date | None
