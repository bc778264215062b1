"""ORM models of purchasing: purchase orders and goods receipts with their batches."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import Money, Quantity, UnitCost, UTCDateTime, enum_column, utcnow


class PurchaseOrderStatus(StrEnum):
    draft = "draft"
    ordered = "ordered"
    partially_received = "partially_received"
    received = "received"
    closed = "closed"
    cancelled = "cancelled"


class GoodsReceiptStatus(StrEnum):
    posted = "posted"
    reversed = "reversed"


class PurchaseOrder(IdMixin, TimestampMixin, Base):
    """A purchase order (Bestellung) to one supplier."""

    __tablename__ = "purchase_orders"

    order_no: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    status: Mapped[PurchaseOrderStatus] = mapped_column(
        enum_column(PurchaseOrderStatus, "purchase_order_status"), nullable=False, index=True
    )
    order_date: Mapped[date] = mapped_column(Date, nullable=False)
    expected_date: Mapped[date | None] = mapped_column(Date)
    supplier_reference: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        lazy="selectin", order_by="PurchaseOrderLine.line_no", cascade="all, delete-orphan"
    )


class PurchaseOrderLine(IdMixin, Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
    )

    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), nullable=False
    )
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)  # base unit
    entered_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    entered_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)  # per base unit
    net_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    received_quantity: Mapped[Decimal] = mapped_column(Quantity(), default=0, nullable=False)


class GoodsReceipt(IdMixin, Base):
    """A goods receipt (Wareneingang): one stock receipt at the order's prices."""

    __tablename__ = "goods_receipts"

    receipt_no: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    purchase_order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id"), nullable=False, index=True
    )
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    status: Mapped[GoodsReceiptStatus] = mapped_column(
        enum_column(GoodsReceiptStatus, "goods_receipt_status"), nullable=False
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    received_by: Mapped[str] = mapped_column(String(150), nullable=False)
    delivery_note_no: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_by: Mapped[str | None] = mapped_column(String(150))
    reverse_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reversal_movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"))

    lines: Mapped[list[GoodsReceiptLine]] = relationship(
        lazy="selectin", order_by="GoodsReceiptLine.id", cascade="all, delete-orphan"
    )


class GoodsReceiptLine(IdMixin, Base):
    __tablename__ = "goods_receipt_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    receipt_id: Mapped[int] = mapped_column(
        ForeignKey("goods_receipts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_lines.id"), nullable=False
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)  # base unit
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)  # per base unit
