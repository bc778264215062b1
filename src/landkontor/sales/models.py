"""ORM models of sales: orders, deliveries, invoices and credit notes.

Issued invoices and credit notes (both rows of ``invoices``) are immutable: database triggers
refuse any change but the payment state, and any change or deletion of their lines and VAT
totals. ``delivery_lines`` record which batch went to which customer (recall tracing).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from landkontor.catalog.models import VatCategory
from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import Money, Percent, Quantity, UnitCost, UTCDateTime, enum_column, utcnow


class SalesOrderStatus(StrEnum):
    draft = "draft"
    confirmed = "confirmed"
    partially_delivered = "partially_delivered"
    delivered = "delivered"
    invoiced = "invoiced"
    closed = "closed"
    cancelled = "cancelled"


class DeliveryStatus(StrEnum):
    posted = "posted"
    cancelled = "cancelled"


class InvoiceKind(StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"


class InvoiceStatus(StrEnum):
    issued = "issued"
    paid = "paid"


class SalesOrder(IdMixin, TimestampMixin, Base):
    """A sales order (Auftrag); stock comes from one warehouse."""

    __tablename__ = "sales_orders"

    order_no: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    status: Mapped[SalesOrderStatus] = mapped_column(
        enum_column(SalesOrderStatus, "sales_order_status"), nullable=False, index=True
    )
    order_date: Mapped[date] = mapped_column(Date, nullable=False)
    requested_date: Mapped[date | None] = mapped_column(Date)
    customer_reference: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[SalesOrderLine]] = relationship(
        lazy="selectin", order_by="SalesOrderLine.line_no", cascade="all, delete-orphan"
    )


class SalesOrderLine(IdMixin, Base):
    """An order line, priced when added: list price, discount, net unit price per base unit."""

    __tablename__ = "sales_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0 AND list_price >= 0", name="prices_not_negative"),
        CheckConstraint(
            "delivered_quantity >= 0 AND invoiced_quantity >= 0", name="progress_not_negative"
        ),
    )

    order_id: Mapped[int] = mapped_column(
        ForeignKey("sales_orders.id", ondelete="CASCADE"), nullable=False
    )
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)  # base unit
    entered_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    entered_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    list_price: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)
    discount_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)
    net_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_category: Mapped[VatCategory] = mapped_column(enum_column(VatCategory, "vat_category"))
    price_source: Mapped[str] = mapped_column(String(100), nullable=False)
    delivered_quantity: Mapped[Decimal] = mapped_column(Quantity(), default=0, nullable=False)
    invoiced_quantity: Mapped[Decimal] = mapped_column(Quantity(), default=0, nullable=False)


class Delivery(IdMixin, Base):
    """A delivery (Lieferschein): one stock issue from the order's warehouse to the customer."""

    __tablename__ = "deliveries"

    delivery_no: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    sales_order_id: Mapped[int] = mapped_column(
        ForeignKey("sales_orders.id"), nullable=False, index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), nullable=False
    )
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    delivered_by: Mapped[str] = mapped_column(String(150), nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(150))
    cancel_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reversal_movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"))

    lines: Mapped[list[DeliveryLine]] = relationship(
        lazy="selectin", order_by="DeliveryLine.id", cascade="all, delete-orphan"
    )


class DeliveryLine(IdMixin, Base):
    """What left the warehouse: item, batch, location and quantity in the base unit."""

    __tablename__ = "delivery_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_delivery_lines_batch", "batch_id"),
    )

    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)


class Invoice(IdMixin, Base):
    """An invoice (Rechnung) or a credit note (Gutschrift) on one. Immutable once written,
    except for the payment state of invoices."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(
            "net_total >= 0 AND vat_total >= 0 AND gross_total >= 0", name="totals_not_negative"
        ),
        CheckConstraint(
            "(kind = 'credit_note') = (credits_invoice_id IS NOT NULL)", name="credit_note_target"
        ),
    )

    number: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    kind: Mapped[InvoiceKind] = mapped_column(
        enum_column(InvoiceKind, "invoice_kind"), nullable=False
    )
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus, "invoice_status"), nullable=False
    )
    sales_order_id: Mapped[int] = mapped_column(
        ForeignKey("sales_orders.id"), nullable=False, index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    credits_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    invoice_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    cash_discount_percent: Mapped[Decimal | None] = mapped_column(Percent())
    cash_discount_until: Mapped[date | None] = mapped_column(Date)
    customer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    customer_address: Mapped[str] = mapped_column(Text, nullable=False)
    customer_vat_id: Mapped[str | None] = mapped_column(String(20))
    net_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    gross_total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    issued_by: Mapped[str] = mapped_column(String(150), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_by: Mapped[str | None] = mapped_column(String(150))

    lines: Mapped[list[InvoiceLine]] = relationship(lazy="selectin", order_by="InvoiceLine.line_no")
    taxes: Mapped[list[InvoiceTax]] = relationship(
        lazy="selectin", order_by="InvoiceTax.vat_category"
    )


class InvoiceLine(IdMixin, Base):
    """A line of an invoice (delivered quantity times net unit price) or of a credit note
    (a quantity returned, or only an amount, against one invoice line)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "line_no"),
        CheckConstraint("net_amount >= 0", name="net_amount_not_negative"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"), nullable=False)
    credits_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    item_no: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    unit_price: Mapped[Decimal | None] = mapped_column(UnitCost())
    discount_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    net_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_category: Mapped[VatCategory] = mapped_column(enum_column(VatCategory, "vat_category"))
    vat_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)


class InvoiceTax(Base):
    """VAT of one rate: computed on the sum of the net lines of that rate."""

    __tablename__ = "invoice_taxes"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    vat_category: Mapped[VatCategory] = mapped_column(
        enum_column(VatCategory, "vat_category"), primary_key=True
    )
    vat_percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
    net_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    vat_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
