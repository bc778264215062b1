"""ORM models of business partners, price lists and VAT rates."""

from __future__ import annotations

from datetime import date
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
)
from sqlalchemy.orm import Mapped, mapped_column

from landkontor.catalog.models import VatCategory
from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import Money, Percent, Quantity, UnitCost, enum_column


def _payment_terms_checks() -> tuple[CheckConstraint, ...]:
    """Fresh constraint objects per table (a constraint belongs to exactly one table)."""
    return (
        CheckConstraint("payment_days IS NULL OR payment_days >= 0", name="payment_days"),
        CheckConstraint(
            "cash_discount_percent IS NULL OR "
            "(cash_discount_percent >= 0 AND cash_discount_percent < 100)",
            name="cash_discount_percent",
        ),
        CheckConstraint(
            "cash_discount_days IS NULL OR cash_discount_days >= 0", name="cash_discount_days"
        ),
    )


class PaymentTermsMixin:
    """Zahlungsbedingung: days net, optionally a cash discount (Skonto) within some days.

    ``payment_days`` None means: not set here, inherited (customer from group, group from
    its parent). The three fields count as one unit when inherited.
    """

    payment_days: Mapped[int | None] = mapped_column(Integer)
    cash_discount_percent: Mapped[Decimal | None] = mapped_column(Percent())
    cash_discount_days: Mapped[int | None] = mapped_column(Integer)


class AddressMixin:
    street: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    postal_code: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    city: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    country: Mapped[str] = mapped_column(String(2), default="DE", nullable=False)


class InvoiceFormat(StrEnum):
    """How a partner wants its invoices: a PDF, a PDF/A-3 with ZUGFeRD XML, or XRechnung XML."""

    pdf = "pdf"
    zugferd = "zugferd"
    xrechnung = "xrechnung"


class InvoiceRecipientMixin:
    """Where and how invoices go: a billing address if it differs (used when its city is
    set), an e-mail address for invoices, the buyer reference (Leitweg-ID of public
    bodies) and the preferred format."""

    billing_street: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    billing_postal_code: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    billing_city: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    billing_country: Mapped[str | None] = mapped_column(String(2))
    invoice_email: Mapped[str | None] = mapped_column(String(254))
    buyer_reference: Mapped[str | None] = mapped_column(String(100))
    invoice_format: Mapped[InvoiceFormat] = mapped_column(
        enum_column(InvoiceFormat, "invoice_format", length=10),
        default=InvoiceFormat.pdf,
        nullable=False,
    )


class PriceList(IdMixin, TimestampMixin, Base):
    """A price list (Preisliste), assigned to customer groups or single customers."""

    __tablename__ = "price_lists"

    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class PriceListEntry(IdMixin, Base):
    """A net price per base unit of one item from ``min_quantity`` on (Staffelpreis)."""

    __tablename__ = "price_list_entries"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("min_quantity >= 0", name="min_quantity_not_negative"),
        Index("ix_price_list_entries_list_item", "price_list_id", "item_id"),
    )

    price_list_id: Mapped[int] = mapped_column(
        ForeignKey("price_lists.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    min_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class CustomerGroup(IdMixin, TimestampMixin, PaymentTermsMixin, Base):
    """KundenGruppe: defaults its customers (and sub-groups) inherit when they set nothing."""

    __tablename__ = "customer_groups"
    __table_args__ = (
        *_payment_terms_checks(),
        CheckConstraint(
            "discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent <= 100)",
            name="discount_percent",
        ),
        CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="credit_limit"),
    )

    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customer_groups.id"), index=True)
    discount_percent: Mapped[Decimal | None] = mapped_column(Percent())
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money())


class Customer(
    IdMixin, TimestampMixin, PaymentTermsMixin, AddressMixin, InvoiceRecipientMixin, Base
):
    """A customer (Kunde). Unset terms, discount, price list and limit come from its group."""

    __tablename__ = "customers"
    __table_args__ = (
        *_payment_terms_checks(),
        CheckConstraint(
            "discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent <= 100)",
            name="discount_percent",
        ),
        CheckConstraint("credit_limit IS NULL OR credit_limit >= 0", name="credit_limit"),
    )

    customer_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    vat_id: Mapped[str | None] = mapped_column(String(20))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("customer_groups.id"), index=True)
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    discount_percent: Mapped[Decimal | None] = mapped_column(Percent())
    credit_limit: Mapped[Decimal | None] = mapped_column(Money())
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    blocked_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # DATEV debtor (personal) account; none: the company's collective debtor account
    debtor_account: Mapped[int | None] = mapped_column(Integer)


class Supplier(
    IdMixin, TimestampMixin, PaymentTermsMixin, AddressMixin, InvoiceRecipientMixin, Base
):
    """A supplier (Lieferant)."""

    __tablename__ = "suppliers"
    __table_args__ = _payment_terms_checks()

    supplier_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    vat_id: Mapped[str | None] = mapped_column(String(20))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    blocked_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Contact telephone and Steuernummer: the seller's in the XRechnung of a farmer's
    # settlement, which we bill ourselves (BT-42, BT-32)
    phone: Mapped[str] = mapped_column(String(50), default="", nullable=False)
    tax_number: Mapped[str | None] = mapped_column(String(30))
    # DATEV creditor (personal) account; none: the company's collective creditor account
    creditor_account: Mapped[int | None] = mapped_column(Integer)


class TaxRate(IdMixin, Base):
    """The VAT percentage of a category from a date on (rates change: 16 %/5 % in 2020)."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint("category", "valid_from"),
        CheckConstraint("percent >= 0 AND percent < 100", name="percent"),
    )

    category: Mapped[VatCategory] = mapped_column(
        enum_column(VatCategory, "vat_category"), nullable=False
    )
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    percent: Mapped[Decimal] = mapped_column(Percent(), nullable=False)
