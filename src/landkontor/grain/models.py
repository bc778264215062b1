"""ORM models of grain intake: weighbridges, weighing tickets and their weighings, sample
analyses, quality terms per crop, day prices, contracts with price fixings, allocations,
silo batches and the farmer's settlement (self-billed credit note).

What the law or the calibrated scale fixes is protected by the database as well: weighings,
analyses, price fixings and settlements (with their lines) are append-only; a ticket's
weighings cannot be swapped once set, and a settled ticket cannot change at all.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from landkontor.db.base import Base, IdMixin
from landkontor.db.types import (
    HECTOLITRE_PRECISION,
    HECTOLITRE_SCALE,
    JSONType,
    Money,
    Percent,
    Quantity,
    UTCDateTime,
    enum_column,
    utcnow,
)


class VatRegime(StrEnum):
    regular = "regular"  # Regelbesteuerung: the crop's VAT rate (grain: reduced, 7 %)
    flat_rate = "flat_rate"  # pauschalierender Landwirt, §24 UStG: the average rate
    exempt = "exempt"  # no VAT (e.g. small business, §19 UStG)


class WeighingKind(StrEnum):
    gross = "gross"  # first weighing: truck with load
    tare = "tare"  # second weighing: empty truck


class TicketStatus(StrEnum):
    open = "open"  # created, not both weighings yet
    weighed = "weighed"  # gross and tare known, net computed
    taken_in = "taken_in"  # posted into a silo cell
    refused = "refused"  # above a rejection limit: load sent back
    cancelled = "cancelled"  # replaced by a correction ticket


class RejectAction(StrEnum):
    refuse = "refuse"
    feed_grade = "feed_grade"


class ContractPricing(StrEnum):
    fixed = "fixed"  # price per tonne in the contract
    open = "open"  # fixed later by the farmer in price fixings


class ContractStatus(StrEnum):
    open = "open"
    closed = "closed"


class SettlementLineKind(StrEnum):
    goods = "goods"  # settlement weight * price
    quality = "quality"  # class premium or discount, feed-grade discount
    drying = "drying"  # drying cost (negative)
    cleaning = "cleaning"  # cleaning cost (negative)


class Weighbridge(IdMixin, Base):
    """A weighbridge (Fahrzeugwaage) at a site (warehouse)."""

    __tablename__ = "grain_weighbridges"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)


class Farmer(Base):
    """Grain-specific facts of a supplier who delivers grain: the VAT regime."""

    __tablename__ = "grain_farmers"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    vat_regime: Mapped[VatRegime] = mapped_column(enum_column(VatRegime, "grain_vat_regime"))


class FlatRateVat(IdMixin, Base):
    """The average VAT rate of §24 (1) no. 3 UStG from a date on (changed by law)."""

    __tablename__ = "grain_flat_rate_vat"
    __table_args__ = (CheckConstraint("percent >= 0 AND percent < 100", name="percent"),)

    valid_from: Mapped[date] = mapped_column(Date, unique=True, nullable=False)
    percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)


class QualityTerms(IdMixin, Base):
    """Quality terms of one crop from a date on (a season's table)."""

    __tablename__ = "grain_quality_terms"
    __table_args__ = (UniqueConstraint("item_id", "valid_from"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    season: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    base_moisture: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    base_foreign_matter: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    handling_loss_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    handling_loss_only_when_drying: Mapped[bool] = mapped_column(Boolean, nullable=False)
    drying_cost_per_t_point: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    cleaning_cost_per_t_point: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    reject_moisture_above: Mapped[Decimal | None] = mapped_column(Percent())
    reject_foreign_matter_above: Mapped[Decimal | None] = mapped_column(Percent())
    reject_action: Mapped[RejectAction] = mapped_column(enum_column(RejectAction, "grain_reject"))
    feed_grade_discount_per_t: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # Quality classes, best first: [{code, name, min_protein, min_falling_number,
    # min_hectolitre_weight, max_broken_grain, premium_per_t}] (validated by the schema).
    classes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class DayPrice(IdMixin, Base):
    """The site's day price (Tagespreis) per tonne of a crop, from a day on."""

    __tablename__ = "grain_day_prices"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "item_id", "valid_on"),
        CheckConstraint("price_per_t >= 0", name="price_not_negative"),
    )

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    valid_on: Mapped[date] = mapped_column(Date, nullable=False)
    price_per_t: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)


class Ticket(IdMixin, Base):
    """A weighing ticket (Wiegeschein). Its weighings are separate, immutable rows; once
    set they and the net weight never change; a settled ticket never changes at all."""

    __tablename__ = "grain_tickets"
    __table_args__ = (
        CheckConstraint("net_kg IS NULL OR net_kg > 0", name="net_positive"),
        Index("ix_grain_tickets_supplier_status", "supplier_id", "status"),
        Index("ix_grain_tickets_unsettled", "status", "settlement_id"),
    )

    ticket_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    weighbridge_id: Mapped[int] = mapped_column(ForeignKey("grain_weighbridges.id"), nullable=False)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    vehicle_plate: Mapped[str] = mapped_column(String(20), nullable=False)
    driver: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus, "grain_ticket_status"))
    # A correction ticket shares the weighings of the ticket it corrects unless re-weighed.
    gross_weighing_id: Mapped[int | None] = mapped_column(ForeignKey("grain_weighings.id"))
    tare_weighing_id: Mapped[int | None] = mapped_column(ForeignKey("grain_weighings.id"))
    net_kg: Mapped[Decimal | None] = mapped_column(Quantity())
    corrects_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("grain_tickets.id"), unique=True
    )
    # Filled by the intake (or the refusal):
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    lot_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), unique=True)
    silo_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    mix_id: Mapped[int | None] = mapped_column(ForeignKey("stock_mixes.id"))
    quality_terms_id: Mapped[int | None] = mapped_column(ForeignKey("grain_quality_terms.id"))
    drying_shrink_kg: Mapped[Decimal | None] = mapped_column(Quantity())
    foreign_matter_kg: Mapped[Decimal | None] = mapped_column(Quantity())
    handling_loss_kg: Mapped[Decimal | None] = mapped_column(Quantity())
    settlement_kg: Mapped[Decimal | None] = mapped_column(Quantity())
    quality_class: Mapped[str | None] = mapped_column(String(32))
    quality_premium_per_t: Mapped[Decimal | None] = mapped_column(Money())
    drying_cost: Mapped[Decimal | None] = mapped_column(Money())
    cleaning_cost: Mapped[Decimal | None] = mapped_column(Money())
    feed_grade: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    refused_reason: Mapped[str | None] = mapped_column(Text)
    taken_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    taken_in_on: Mapped[date | None] = mapped_column(Date, index=True)
    taken_in_by: Mapped[str | None] = mapped_column(String(150))
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("grain_settlements.id"))
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Weighing(IdMixin, Base):
    """One weighing as the calibrated scale recorded it. Never changed (append-only)."""

    __tablename__ = "grain_weighings"
    __table_args__ = (
        UniqueConstraint("weighbridge_id", "record_no"),
        CheckConstraint("weight_kg > 0", name="weight_positive"),
    )

    weighbridge_id: Mapped[int] = mapped_column(ForeignKey("grain_weighbridges.id"), nullable=False)
    record_no: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[WeighingKind] = mapped_column(enum_column(WeighingKind, "grain_weighing_kind"))
    weight_kg: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    weighed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(150), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Analysis(IdMixin, Base):
    """A sample analysis (Probe). A second one replaces the first, with a reason."""

    __tablename__ = "grain_analyses"
    __table_args__ = (
        CheckConstraint("moisture >= 0 AND moisture <= 100", name="moisture_range"),
        CheckConstraint(
            "foreign_matter >= 0 AND foreign_matter <= 100", name="foreign_matter_range"
        ),
        Index("ix_grain_analyses_ticket", "ticket_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("grain_tickets.id"), nullable=False)
    moisture: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    foreign_matter: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    broken_grain: Mapped[Decimal | None] = mapped_column(Percent())
    hectolitre_weight: Mapped[Decimal | None] = mapped_column(
        Numeric(HECTOLITRE_PRECISION, HECTOLITRE_SCALE)
    )
    protein: Mapped[Decimal | None] = mapped_column(Percent())
    falling_number: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text, default="", nullable=False)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("grain_analyses.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    analysed_by: Mapped[str] = mapped_column(String(150), nullable=False)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class SiloBatch(IdMixin, Base):
    """The running silo batch of a silo cell: farmers' lots are mixed into it. A cell has
    at most one running batch; an emptied cell starts a new one with its next intake."""

    __tablename__ = "grain_silo_batches"
    __table_args__ = (
        Index(
            "uq_grain_silo_batches_running",
            "location_id",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
    )

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), unique=True, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Contract(IdMixin, Base):
    """A purchase contract (Kontrakt) with a farmer for a quantity of a crop."""

    __tablename__ = "grain_contracts"
    __table_args__ = (
        CheckConstraint("quantity_t > 0", name="quantity_positive"),
        CheckConstraint(
            "tolerance_percent >= 0 AND tolerance_percent <= 100", name="tolerance_range"
        ),
        CheckConstraint("delivery_to >= delivery_from", name="period_order"),
        CheckConstraint(
            "(pricing = 'fixed' AND price_per_t IS NOT NULL) OR pricing = 'open'",
            name="fixed_has_price",
        ),
        Index("ix_grain_contracts_allocation", "supplier_id", "item_id", "status"),
    )

    contract_no: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    quantity_t: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    tolerance_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    delivery_from: Mapped[date] = mapped_column(Date, nullable=False)
    delivery_to: Mapped[date] = mapped_column(Date, nullable=False)
    pricing: Mapped[ContractPricing] = mapped_column(enum_column(ContractPricing, "grain_pricing"))
    price_per_t: Mapped[Decimal | None] = mapped_column(Money())
    quality_note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus, "grain_contract_status"), nullable=False
    )
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class PriceFixing(IdMixin, Base):
    """The farmer fixed the price of part of an open-price contract (append-only)."""

    __tablename__ = "grain_price_fixings"
    __table_args__ = (
        CheckConstraint("quantity_t > 0", name="quantity_positive"),
        CheckConstraint("price_per_t >= 0", name="price_not_negative"),
        Index("ix_grain_price_fixings_contract", "contract_id", "fixed_on"),
    )

    contract_id: Mapped[int] = mapped_column(ForeignKey("grain_contracts.id"), nullable=False)
    fixed_on: Mapped[date] = mapped_column(Date, nullable=False)
    quantity_t: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    price_per_t: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Allocation(IdMixin, Base):
    """Part of a ticket's settlement weight allocated to a contract, or (no contract)
    bought at the site's day price."""

    __tablename__ = "grain_allocations"
    __table_args__ = (
        CheckConstraint("quantity_kg > 0", name="quantity_positive"),
        Index("ix_grain_allocations_ticket", "ticket_id"),
        Index("ix_grain_allocations_contract", "contract_id"),
    )

    ticket_id: Mapped[int] = mapped_column(ForeignKey("grain_tickets.id"), nullable=False)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("grain_contracts.id"))
    quantity_kg: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    # Day price for the part without contract; None for contracts (priced at settlement).
    day_price_per_t: Mapped[Decimal | None] = mapped_column(Money())
    automatic: Mapped[bool] = mapped_column(Boolean, nullable=False)


class Settlement(IdMixin, Base):
    """A self-billed credit note (Gutschrift, §14 (2) UStG) to a farmer. Immutable."""

    __tablename__ = "grain_settlements"

    settlement_no: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False)
    settled_on: Mapped[date] = mapped_column(Date, nullable=False)
    vat_regime: Mapped[VatRegime] = mapped_column(enum_column(VatRegime, "grain_vat_regime"))
    vat_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    net_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    gross_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    document_title: Mapped[str] = mapped_column(String(100), nullable=False)
    vat_note: Mapped[str] = mapped_column(Text, nullable=False)
    supplier_name: Mapped[str] = mapped_column(String(200), nullable=False)
    supplier_vat_id: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class SettlementLine(IdMixin, Base):
    __tablename__ = "grain_settlement_lines"
    __table_args__ = (UniqueConstraint("settlement_id", "line_no"),)

    settlement_id: Mapped[int] = mapped_column(ForeignKey("grain_settlements.id"), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("grain_tickets.id"), nullable=False)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("grain_contracts.id"))
    kind: Mapped[SettlementLineKind] = mapped_column(
        enum_column(SettlementLineKind, "grain_line_kind")
    )
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity_kg: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    price_per_t: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
