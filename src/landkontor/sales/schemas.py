"""Request and response models of sales orders, deliveries, invoices and credit notes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, model_validator

from landkontor.catalog.models import VatCategory
from landkontor.catalog.schemas import Price, UnitRef
from landkontor.common.bounds import BusinessDate, Id, Note, free_text, single_line
from landkontor.common.schemas import InputModel, OutputModel, PositiveDecimal
from landkontor.partners.schemas import Amount, Discount
from landkontor.sales.models import (
    DeliveryStatus,
    InvoiceKind,
    InvoiceStatus,
    SalesOrder,
    SalesOrderStatus,
)

CustomerReference = single_line(SalesOrder.customer_reference)
CreditReason = free_text(500, min_length=1)

MAX_LINES = 500


# --- orders ------------------------------------------------------------------------------
class SalesOrderLineIn(InputModel):
    item_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = Field(None, description="Default: the base unit.")
    unit_price: Price | None = Field(
        None, description="Manual net EUR per base unit; default: resolved like a quote."
    )
    discount_percent: Discount | None = Field(None, description="Only with a manual price.")

    @model_validator(mode="after")
    def _discount_needs_price(self) -> SalesOrderLineIn:
        if self.discount_percent is not None and self.unit_price is None:
            raise ValueError("discount_percent can only be given with a manual unit_price")
        return self


class SalesOrderCreate(InputModel):
    customer_id: Id
    warehouse_id: Id = Field(description="Where the stock comes from.")
    order_date: BusinessDate | None = Field(None, description="Also the price date; default today.")
    requested_date: BusinessDate | None = None
    customer_reference: CustomerReference = ""
    note: Note = ""
    lines: list[SalesOrderLineIn] = Field(default_factory=list, max_length=MAX_LINES)


class SalesOrderLineOut(OutputModel):
    id: int
    line_no: int
    item_id: int
    quantity: Decimal
    unit: str
    entered_quantity: Decimal
    entered_unit: str
    list_price: Decimal
    discount_percent: Decimal
    unit_price: Decimal
    net_amount: Decimal
    vat_category: VatCategory
    price_source: str
    delivered_quantity: Decimal
    invoiced_quantity: Decimal
    reserved_quantity: Decimal = Decimal(0)


class TaxTotalOut(OutputModel):
    vat_category: VatCategory
    vat_percent: Decimal
    net_amount: Decimal
    vat_amount: Decimal


class SalesOrderOut(OutputModel):
    id: int
    order_no: str
    customer_id: int
    warehouse_id: int
    status: SalesOrderStatus
    order_date: date
    requested_date: date | None
    customer_reference: str
    note: str
    created_by: str
    created_at: datetime
    confirmed_at: datetime | None
    lines: list[SalesOrderLineOut]
    net_total: Decimal = Decimal(0)
    taxes: list[TaxTotalOut] = Field(default_factory=list, description="At today's rates.")
    gross_total: Decimal = Decimal(0)


# --- deliveries --------------------------------------------------------------------------
class DeliveryLineIn(InputModel):
    order_line_id: Id
    quantity: PositiveDecimal
    unit: UnitRef | None = None
    batch_id: Id | None = Field(None, description="Take this batch; default FEFO.")
    location_id: Id | None = Field(None, description="Take from here; default FEFO.")


class DeliveryCreate(InputModel):
    lines: list[DeliveryLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Default: everything still open, FEFO."
    )
    note: Note = ""


class DeliveryLineOut(OutputModel):
    id: int
    order_line_id: int
    item_id: int
    batch_id: int | None
    location_id: int
    quantity: Decimal


class DeliveryOut(OutputModel):
    id: int
    delivery_no: str
    sales_order_id: int
    customer_id: int
    warehouse_id: int
    status: DeliveryStatus
    delivered_at: datetime
    delivered_by: str
    note: str
    movement_id: int | None
    invoice_id: int | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str
    reversal_movement_id: int | None
    lines: list[DeliveryLineOut]


# --- invoices and credit notes -----------------------------------------------------------
class InvoiceCreate(InputModel):
    delivery_ids: list[Id] | None = Field(
        None, max_length=MAX_LINES, description="Default: every delivery not yet invoiced."
    )


class CreditNoteLineIn(InputModel):
    invoice_line_id: Id
    quantity: PositiveDecimal | None = Field(None, description="Returned, in the base unit.")
    net_amount: Amount | None = Field(None, description="Or: a net amount (price reduction).")

    @model_validator(mode="after")
    def _one_of(self) -> CreditNoteLineIn:
        if (self.quantity is None) == (self.net_amount is None):
            raise ValueError("give either quantity or net_amount")
        if self.net_amount is not None and self.net_amount <= 0:
            raise ValueError("net_amount must be positive")
        return self


class CreditNoteCreate(InputModel):
    reason: CreditReason
    lines: list[CreditNoteLineIn] | None = Field(
        None, max_length=MAX_LINES, description="Default: whatever is not yet credited."
    )


class PaymentIn(InputModel):
    paid_on: BusinessDate | None = Field(None, description="Default today.")


class InvoiceLineOut(OutputModel):
    id: int
    line_no: int
    order_line_id: int
    credits_line_id: int | None
    item_id: int
    item_no: str
    description: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None
    discount_percent: Decimal
    net_amount: Decimal
    vat_category: VatCategory
    vat_percent: Decimal


class InvoiceOut(OutputModel):
    id: int
    number: str
    kind: InvoiceKind
    status: InvoiceStatus
    sales_order_id: int
    customer_id: int
    credits_invoice_id: int | None
    invoice_date: date
    due_date: date | None
    cash_discount_percent: Decimal | None
    cash_discount_until: date | None
    customer_name: str
    customer_address: str
    customer_vat_id: str | None
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    currency: str = "EUR"
    reason: str
    issued_by: str
    issued_at: datetime
    paid_on: date | None
    paid_by: str | None
    lines: list[InvoiceLineOut]
    taxes: list[TaxTotalOut]


class CreditStatusOut(OutputModel):
    customer_id: int
    credit_limit: Decimal | None
    credit_limit_source: str
    open_receivables: Decimal = Field(description="Unpaid invoices less their credit notes.")
    open_orders: Decimal = Field(description="Confirmed, not yet invoiced order value (gross).")
    exposure: Decimal
    available: Decimal | None
