"""Everything an invoice's or credit note's documents show, read once from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.catalog.models import VatCategory
from landkontor.common.clock import business_date
from landkontor.common.lookup import fetch
from landkontor.company.models import Company
from landkontor.company.service import invoicing_company
from landkontor.db.session import settings_of
from landkontor.documents.vat import TaxTreatment, is_intra_eu, treatment
from landkontor.partners.models import Customer
from landkontor.partners.rules import billing_address
from landkontor.sales.models import Delivery, Invoice, InvoiceKind, SalesOrder


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    company: Company
    customer: Customer
    order: SalesOrder
    deliveries: list[tuple[str, date]]  # delivery number and day, in delivery order
    credited: Invoice | None  # the invoice a credit note corrects
    intra_eu: bool

    @property
    def is_credit_note(self) -> bool:
        return self.invoice.kind == InvoiceKind.credit_note

    @property
    def title(self) -> str:
        return ("Gutschrift " if self.is_credit_note else "Rechnung ") + self.invoice.number

    @property
    def delivery_period(self) -> tuple[date, date]:
        """First and last delivery day (the time of supply, §14 (4) Nr. 6 UStG)."""
        days = [d for _, d in self.deliveries] or [self.invoice.invoice_date]
        return min(days), max(days)

    @property
    def buyer_reference(self) -> str:
        """BT-10: the customer's buyer reference (Leitweg-ID), else the order's reference,
        else the customer number (XRechnung requires one on every invoice)."""
        return (
            self.customer.buyer_reference
            or self.order.customer_reference
            or self.customer.customer_no
        )

    def tax(self, category: VatCategory) -> TaxTreatment:
        return treatment(category, intra_eu=self.intra_eu)

    @property
    def recipient(self) -> list[str]:
        """Name and address as invoiced; the country only when it is not the company's."""
        lines = [self.invoice.customer_name, *self.invoice.customer_address.splitlines()]
        return lines[:-1] if lines[-1] == self.company.country else lines


def invoice_view(session: Session, invoice: Invoice) -> InvoiceView:
    company = invoicing_company(session)
    customer = fetch(session, Customer, invoice.customer_id, kind="customer")
    order = fetch(session, SalesOrder, invoice.sales_order_id, kind="sales order")
    credited = (
        fetch(session, Invoice, invoice.credits_invoice_id, kind="invoice")
        if invoice.credits_invoice_id
        else None
    )
    billed = credited or invoice
    rows = session.execute(
        select(Delivery.delivery_no, Delivery.delivered_at)
        .where(Delivery.invoice_id == billed.id)
        .order_by(Delivery.delivered_at, Delivery.id)
    ).all()
    country = billing_address(customer).country
    return InvoiceView(
        invoice=invoice,
        company=company,
        customer=customer,
        order=order,
        deliveries=[(number, business_date(at, settings_of(session))) for number, at in rows],
        credited=credited,
        intra_eu=is_intra_eu(company.country, country, invoice.customer_vat_id),
    )
