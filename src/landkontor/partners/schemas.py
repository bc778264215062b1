"""Request and response models of partners, price lists, VAT rates and price quotes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, model_validator

from landkontor.catalog.models import VatCategory
from landkontor.catalog.schemas import Price
from landkontor.common import bounds
from landkontor.common.bounds import BusinessDate, Id, free_text, single_line
from landkontor.common.schemas import (
    Code,
    InputModel,
    Name,
    NonNegativeDecimal,
    OutputModel,
)
from landkontor.partners.models import Customer, InvoiceFormat, Supplier
from landkontor.partners.rules import check_payment_terms
from landkontor.partners.vat_ids import normalize_vat_id

VatId = Annotated[
    str,
    Field(min_length=4, max_length=bounds.length_of(Customer.vat_id)),
    AfterValidator(normalize_vat_id),
]
Country = Annotated[
    str,
    Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$", description="ISO 3166 code, e.g. DE"),
]
CashDiscount = bounds.PercentBelow100
Discount = bounds.Percent
Amount = bounds.Cents
Street = single_line(Customer.street)
PostalCode = single_line(Customer.postal_code)
City = single_line(Customer.city)
BlockedReason = free_text(500)
Days = Annotated[int, Field(ge=0, le=365)]


class PaymentTermsIn(InputModel):
    payment_days: Days | None = Field(None, description="Days net; empty: inherited.")
    cash_discount_percent: CashDiscount | None = Field(None, description="Skonto %.")
    cash_discount_days: Days | None = Field(None, description="Skonto within these days.")

    @model_validator(mode="after")
    def _consistent_terms(self) -> PaymentTermsIn:
        problem = check_payment_terms(
            self.payment_days, self.cash_discount_percent, self.cash_discount_days
        )
        if problem:
            raise ValueError(problem)
        return self


class PaymentTermsUpdate(InputModel):
    """Partial update: checked against the stored terms in the service."""

    payment_days: Days | None = None
    cash_discount_percent: CashDiscount | None = None
    cash_discount_days: Days | None = None


class AddressIn(InputModel):
    street: Street = ""
    postal_code: PostalCode = ""
    city: City = ""
    country: Country = "DE"


# --- customer groups ---------------------------------------------------------------
class CustomerGroupCreate(PaymentTermsIn):
    code: Code
    name: Name
    parent_id: Id | None = None
    discount_percent: Discount | None = None
    price_list_id: Id | None = None
    credit_limit: Amount | None = None


class CustomerGroupUpdate(PaymentTermsUpdate):
    name: Name | None = None
    parent_id: Id | None = None
    discount_percent: Discount | None = None
    price_list_id: Id | None = None
    credit_limit: Amount | None = None


class PaymentTermsOut(OutputModel):
    payment_days: int | None
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None


class CustomerGroupOut(PaymentTermsOut):
    id: int
    code: str
    name: str
    parent_id: int | None
    discount_percent: Decimal | None
    price_list_id: int | None
    credit_limit: Decimal | None


# --- customers and suppliers -------------------------------------------------------------
InvoiceEmail = Annotated[EmailStr, Field(max_length=254)]
BuyerReference = single_line(Customer.buyer_reference, min_length=1)
BillingStreet = single_line(Customer.billing_street)
BillingPostalCode = single_line(Customer.billing_postal_code)
BillingCity = single_line(Customer.billing_city)
DebtorAccount = Annotated[int, Field(ge=1, le=999999999, description="DATEV debtor account.")]
CreditorAccount = Annotated[int, Field(ge=1, le=999999999, description="DATEV creditor account.")]
Phone = single_line(Supplier.phone)
TaxNumber = single_line(Supplier.tax_number, min_length=1)


class InvoiceRecipientIn(InputModel):
    billing_street: BillingStreet = Field("", description="Billing address if different.")
    billing_postal_code: BillingPostalCode = ""
    billing_city: BillingCity = Field("", description="Set: the billing address is used.")
    billing_country: Country | None = None
    invoice_email: InvoiceEmail | None = Field(None, description="Where invoices are e-mailed.")
    buyer_reference: BuyerReference | None = Field(
        None, description="Buyer reference, the Leitweg-ID of public bodies (XRechnung BT-10)."
    )
    invoice_format: InvoiceFormat = Field(InvoiceFormat.pdf, description="pdf, zugferd, xrechnung")


class PartnerCreate(PaymentTermsIn, AddressIn, InvoiceRecipientIn):
    name: Name
    vat_id: VatId | None = Field(None, description="USt-IdNr., checked (format, check digit).")
    blocked: bool = False
    blocked_reason: BlockedReason = ""


class PartnerUpdate(PaymentTermsUpdate):
    """Partial update; an empty (null) optional value is cleared, so it is inherited again."""

    name: Name | None = None
    street: Street | None = None
    postal_code: PostalCode | None = None
    city: City | None = None
    country: Country | None = None
    vat_id: VatId | None = None
    blocked: bool | None = None
    blocked_reason: BlockedReason | None = None
    billing_street: BillingStreet | None = None
    billing_postal_code: BillingPostalCode | None = None
    billing_city: BillingCity | None = None
    billing_country: Country | None = None
    invoice_email: InvoiceEmail | None = None
    buyer_reference: BuyerReference | None = None
    invoice_format: InvoiceFormat | None = None


class CustomerCreate(PartnerCreate):
    customer_no: Code
    group_id: Id | None = None
    price_list_id: Id | None = None
    discount_percent: Discount | None = None
    credit_limit: Amount | None = Field(None, description="EUR; empty: the group's.")
    debtor_account: DebtorAccount | None = None


class CustomerUpdate(PartnerUpdate):
    group_id: Id | None = None
    price_list_id: Id | None = None
    discount_percent: Discount | None = None
    credit_limit: Amount | None = None
    debtor_account: DebtorAccount | None = None


class EffectiveTermsOut(OutputModel):
    """What applies to a customer after inheritance, and where each value comes from."""

    discount_percent: Decimal
    discount_source: str
    price_list_ids: list[int] = Field(description="Consulted in this order (customer first).")
    credit_limit: Decimal | None
    credit_limit_source: str
    payment_days: int
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    payment_terms_source: str


class PartnerOut(PaymentTermsOut):
    id: int
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_id: str | None
    blocked: bool
    blocked_reason: str
    billing_street: str
    billing_postal_code: str
    billing_city: str
    billing_country: str | None
    invoice_email: str | None
    buyer_reference: str | None
    invoice_format: InvoiceFormat
    created_at: datetime


class CustomerOut(PartnerOut):
    customer_no: str
    group_id: int | None
    price_list_id: int | None
    discount_percent: Decimal | None
    credit_limit: Decimal | None
    debtor_account: int | None
    effective: EffectiveTermsOut | None = None


class SupplierCreate(PartnerCreate):
    supplier_no: Code
    phone: Phone = Field("", description="Contact telephone.")
    tax_number: TaxNumber | None = Field(None, description="Steuernummer.")
    creditor_account: CreditorAccount | None = None


class SupplierUpdate(PartnerUpdate):
    phone: Phone | None = None
    tax_number: TaxNumber | None = None
    creditor_account: CreditorAccount | None = None


class SupplierOut(PartnerOut):
    supplier_no: str
    phone: str
    tax_number: str | None
    creditor_account: int | None


CUSTOMER_ONLY_FIELDS = ("customer_group", "price_list", "discount_percent", "credit_limit")


class PartnerImportRow(PartnerCreate):
    """One row of a partner file: a customer (it has a customer_no) or a supplier (it has a
    supplier_no). Groups and price lists are named by their codes."""

    customer_no: Code | None = None
    supplier_no: Code | None = None
    customer_group: Code | None = Field(None, description="Code of the customer's group.")
    price_list: Code | None = Field(None, description="Code of the customer's own price list.")
    discount_percent: Discount | None = None
    credit_limit: Amount | None = None

    @model_validator(mode="after")
    def _customer_or_supplier(self) -> PartnerImportRow:
        if (self.customer_no is None) == (self.supplier_no is None):
            raise ValueError(
                "a row needs either a customer_no (a customer) or a supplier_no (a supplier)"
            )
        given = [name for name in CUSTOMER_ONLY_FIELDS if getattr(self, name) is not None]
        if self.supplier_no is not None and given:
            raise ValueError(f"suppliers have no {', '.join(given)}")
        return self


# --- price lists -------------------------------------------------------------------------
class PriceIn(InputModel):
    item_id: Id
    unit_price: Price = Field(description="Net EUR per base unit of the item.")
    min_quantity: NonNegativeDecimal = Field(
        Decimal(0), description="Quantity break in the base unit: from this quantity on."
    )
    valid_from: BusinessDate | None = None
    valid_to: BusinessDate | None = None

    @model_validator(mode="after")
    def _period(self) -> PriceIn:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class PriceListCreate(InputModel):
    code: Code
    name: Name
    valid_from: BusinessDate | None = None
    valid_to: BusinessDate | None = None
    active: bool = True
    prices: list[PriceIn] = Field(default_factory=list, max_length=10_000)


class PriceListUpdate(InputModel):
    name: Name | None = None
    valid_from: BusinessDate | None = None
    valid_to: BusinessDate | None = None
    active: bool | None = None


class PriceOut(OutputModel):
    id: int
    item_id: int
    min_quantity: Decimal
    unit_price: Decimal
    valid_from: date | None
    valid_to: date | None


class PriceListOut(OutputModel):
    id: int
    code: str
    name: str
    valid_from: date | None
    valid_to: date | None
    active: bool
    prices: list[PriceOut] = Field(default_factory=list)


# --- VAT rates and quotes ------------------------------------------------------------------
class TaxRateIn(InputModel):
    category: VatCategory
    valid_from: BusinessDate
    percent: bounds.PercentBelow100


class TaxRateOut(OutputModel):
    id: int
    category: VatCategory
    valid_from: date
    percent: Decimal


class PriceStepOut(OutputModel):
    """One step of a price resolution: what was looked at and what came of it."""

    kind: str  # price | discount
    source: str  # customer_price_list, group_price_list, base_price, customer, group, none
    applied: bool
    detail: str
    reason: str | None = Field(
        None,
        description="Why a price list was passed over: not_valid (inactive or out of "
        "its period) or no_price (no price for the item at this quantity and day).",
    )
    price_list_id: int | None = None
    price_list_code: str | None = None
    customer_group_id: int | None = None
    min_quantity: Decimal | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None


class QuoteOut(OutputModel):
    customer_id: int
    item_id: int
    date: date
    quantity: Decimal
    unit: str
    base_quantity: Decimal
    base_unit: str
    list_price: Decimal
    price_source: str
    price_list_id: int | None
    min_quantity: Decimal | None
    discount_percent: Decimal
    discount_source: str
    net_unit_price: Decimal = Field(description="EUR per base unit, after the discount.")
    net_amount: Decimal = Field(description="base_quantity times net_unit_price, in cents.")
    vat_category: VatCategory
    vat_percent: Decimal
    steps: list[PriceStepOut]
