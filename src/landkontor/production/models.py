"""ORM models of bills of materials and production orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from landkontor.catalog.models import Item
from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import Money, Percent, Quantity, UTCDateTime, enum_column, utcnow


class BillOfMaterials(IdMixin, TimestampMixin, Base):
    """A recipe (Rezeptur): ``output_quantity`` of the item from the component lines."""

    __tablename__ = "boms"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        CheckConstraint("output_quantity > 0", name="output_positive"),
        # One default recipe per item.
        Index(
            "uq_boms_default_per_item",
            "item_id",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    output_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[BomLine]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="BomLine.line_no"
    )


class BomLine(IdMixin, Base):
    __tablename__ = "bom_lines"
    __table_args__ = (
        UniqueConstraint("bom_id", "item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("loss_percent >= 0 AND loss_percent < 100", name="loss_range"),
    )

    bom_id: Mapped[int] = mapped_column(ForeignKey("boms.id"), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)  # per output_quantity
    loss_percent: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0), nullable=False)


class OrderStatus(StrEnum):
    planned = "planned"
    released = "released"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class ProductionOrder(IdMixin, TimestampMixin, Base):
    __tablename__ = "production_orders"
    __table_args__ = (CheckConstraint("planned_quantity > 0", name="planned_positive"),)

    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False, index=True)
    bom_id: Mapped[int] = mapped_column(ForeignKey("boms.id"), nullable=False)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    output_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    planned_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    produced_quantity: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal(0))
    planned_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "production_order_status"),
        default=OrderStatus.planned,
        nullable=False,
        index=True,
    )
    conversion_cost: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), nullable=False)
    # Value of materials consumed and conversion cost not yet carried into output batches.
    wip_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), nullable=False)
    conversion_applied: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)
    components: Mapped[list[OrderComponent]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="OrderComponent.line_no"
    )
    outputs: Mapped[list[OrderOutput]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="OrderOutput.id"
    )


class OrderComponent(IdMixin, Base):
    """Planned and actual consumption of one component (base unit)."""

    __tablename__ = "production_order_components"
    __table_args__ = (UniqueConstraint("order_id", "item_id"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id"), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    planned_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    consumed_quantity: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal(0))
    consumed_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))


class OrderOutput(IdMixin, Base):
    __tablename__ = "production_order_outputs"

    order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id"), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    value: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movements.id"), nullable=False)
    posted_by: Mapped[str] = mapped_column(String(150), nullable=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
