"""Invoices and credit notes: gapless numbers per year, VAT per rate, immutable once issued.

An invoice bills delivered quantities at the order's net unit prices; each delivery is
invoiced exactly once. A credit note (Gutschrift) corrects an issued invoice: a returned
quantity or a net amount per invoice line, never more than is left to credit. The number is
drawn last in the transaction (``RE-2026-000123``, ``GS-2026-000001``), from a counter row
that stays locked until the commit, so numbers neither repeat nor leave gaps.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.company.service import invoicing_company
from landkontor.db.session import settings_of, use_case
from landkontor.errors import InvalidInput, InvalidState
from landkontor.numbering.service import next_number
from landkontor.partners.models import Customer
from landkontor.partners.pricing import vat_percent
from landkontor.partners.rules import billing_address, line_amount, vat_totals
from landkontor.partners.service import effective_terms, get_customer
from landkontor.sales import invoice_documents
from landkontor.sales.errors import AlreadyInvoiced, CreditExceedsInvoice, NothingToInvoice
from landkontor.sales.models import (
    Delivery,
    DeliveryStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
    SalesOrder,
    SalesOrderStatus,
)
from landkontor.sales.orders import get_order, refresh_status
from landkontor.sales.schemas import CreditNoteCreate, InvoiceCreate

INVOICE_SERIES = "RE"
CREDIT_NOTE_SERIES = "GS"
INVOICEABLE = (SalesOrderStatus.partially_delivered, SalesOrderStatus.delivered)
ZERO = Decimal(0)


def get_invoice(session: Session, invoice_id: int, *, lock: bool = False) -> Invoice:
    return fetch(session, Invoice, invoice_id, kind="invoice", lock=lock)


def invoice_query(
    *,
    customer_id: int | None = None,
    sales_order_id: int | None = None,
    kind: InvoiceKind | None = None,
    status: InvoiceStatus | None = None,
    search: str | None = None,
    credits_invoice_id: int | None = None,
) -> Select[Any]:
    """Invoices and credit notes, newest first; ``search``: part of the number or of the
    customer's name on the document."""
    stmt = select(Invoice).order_by(Invoice.id.desc())
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(or_(Invoice.number.ilike(pattern), Invoice.customer_name.ilike(pattern)))
    for column, value in (
        (Invoice.customer_id, customer_id),
        (Invoice.sales_order_id, sales_order_id),
        (Invoice.kind, kind),
        (Invoice.status, status),
        (Invoice.credits_invoice_id, credits_invoice_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def list_invoices(session: Session, params: PageParams, **filters: Any) -> tuple[list, int]:
    return paginate(session, invoice_query(**filters), params)


def _deliveries_to_invoice(
    session: Session, order: SalesOrder, delivery_ids: list[int] | None
) -> list[Delivery]:
    stmt = select(Delivery).where(
        Delivery.sales_order_id == order.id, Delivery.status == DeliveryStatus.posted
    )
    if delivery_ids is None:
        return list(session.scalars(stmt.where(Delivery.invoice_id.is_(None))))
    found = {d.id: d for d in session.scalars(stmt.where(Delivery.id.in_(delivery_ids)))}
    for index, delivery_id in enumerate(delivery_ids):
        delivery = found.get(delivery_id)
        if delivery is None:
            raise InvalidInput(
                f"delivery {delivery_id} is not a posted delivery of order {order.order_no}",
                field=f"delivery_ids[{index}]",
            )
        if delivery.invoice_id is not None:
            raise AlreadyInvoiced(
                f"delivery {delivery.delivery_no} is invoiced already",
                field=f"delivery_ids[{index}]",
                invoice_id=delivery.invoice_id,
            )
    return list(found.values())


def _address(customer: Customer) -> str:
    address = billing_address(customer)
    city = " ".join(part for part in (address.postal_code, address.city) if part)
    return "\n".join(part for part in (address.street, city, address.country) if part)


def _header(
    session: Session, customer: Customer, order: SalesOrder, kind: InvoiceKind, actor: str
) -> Invoice:
    return Invoice(
        kind=kind,
        status=InvoiceStatus.issued,
        sales_order_id=order.id,
        customer_id=customer.id,
        invoice_date=business_today(settings_of(session)),
        customer_name=customer.name,
        customer_address=_address(customer),
        customer_vat_id=customer.vat_id,
        issued_by=actor,
    )


def _finish(session: Session, document: Invoice, lines: list[InvoiceLine], series: str) -> None:
    """Totals (VAT per rate on the sum of its net lines), then the number, then write."""
    totals = vat_totals((line.vat_category, line.vat_percent, line.net_amount) for line in lines)
    document.net_total, document.vat_total = totals.net, totals.vat
    document.gross_total = totals.gross
    document.number = next_number(session, series, document.invoice_date.year)
    session.add(document)
    session.flush()
    for number, line in enumerate(lines, start=1):
        line.invoice_id, line.line_no = document.id, number
        session.add(line)
    for tax in totals.taxes:
        session.add(
            InvoiceTax(
                invoice_id=document.id,
                vat_category=tax.category,
                vat_percent=tax.percent,
                net_amount=tax.net,
                vat_amount=tax.vat,
            )
        )
    session.flush()
    session.refresh(document)


@use_case
def invoice_order(session: Session, order_id: int, data: InvoiceCreate, *, actor: str) -> Invoice:
    """Invoice the delivered, not yet invoiced goods of an order (or the given deliveries).

    Raises CompanyDataMissing (409, the company lacks what an invoice must carry),
    InvalidState (order not delivered), NothingToInvoice, AlreadyInvoiced (409),
    InvalidInput (422, a delivery of another order), DocumentInvalid (422, the e-invoice
    does not pass its schema).
    """
    invoicing_company(session)
    order = get_order(session, order_id, lock=True)
    if order.status == SalesOrderStatus.invoiced:
        raise NothingToInvoice(f"order {order.order_no} is invoiced completely")
    if order.status not in INVOICEABLE:
        raise InvalidState(
            f"order {order.order_no} is {order.status.value}; only delivered goods are invoiced"
        )
    deliveries = _deliveries_to_invoice(session, order, data.delivery_ids)
    if not deliveries:
        raise NothingToInvoice(f"order {order.order_no} has no delivery left to invoice")
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    for delivery in deliveries:
        for dl in delivery.lines:
            quantities[dl.order_line_id] += dl.quantity
    customer = get_customer(session, order.customer_id)
    invoice = _header(session, customer, order, InvoiceKind.invoice, actor)
    terms = effective_terms(session, customer)
    invoice.due_date = invoice.invoice_date + timedelta(days=terms.payment_days)
    if terms.cash_discount_percent is not None and terms.cash_discount_days is not None:
        invoice.cash_discount_percent = terms.cash_discount_percent
        invoice.cash_discount_until = invoice.invoice_date + timedelta(
            days=terms.cash_discount_days
        )
    lines = []
    for order_line in order.lines:
        quantity = quantities.get(order_line.id)
        if not quantity:
            continue
        item = fetch(session, Item, order_line.item_id, kind="item")
        lines.append(
            InvoiceLine(
                order_line_id=order_line.id,
                item_id=item.id,
                item_no=item.item_no,
                description=item.name,
                quantity=quantity,
                unit=item.base_unit.code,
                unit_price=order_line.unit_price,
                discount_percent=order_line.discount_percent,
                net_amount=line_amount(quantity, order_line.unit_price),
                vat_category=order_line.vat_category,
                vat_percent=vat_percent(session, order_line.vat_category, invoice.invoice_date),
            )
        )
        order_line.invoiced_quantity += quantity
    _finish(session, invoice, lines, INVOICE_SERIES)
    for delivery in deliveries:
        delivery.invoice_id = invoice.id
    refresh_status(order)
    session.flush()
    invoice_documents.store_documents(session, invoice)
    return invoice


def _credited(session: Session, line_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Quantity and net amount credited so far per invoice line."""
    rows = session.execute(
        select(
            InvoiceLine.credits_line_id,
            func.coalesce(func.sum(InvoiceLine.quantity), ZERO),
            func.coalesce(func.sum(InvoiceLine.net_amount), ZERO),
        )
        .where(InvoiceLine.credits_line_id.in_(line_ids))
        .group_by(InvoiceLine.credits_line_id)
    )
    credited: dict[int, tuple[Decimal, Decimal]] = {}
    for line_id, quantity, net in rows:
        if line_id is not None:
            credited[line_id] = (Decimal(quantity or ZERO), Decimal(net or ZERO))
    return credited


def _credit_line(original: InvoiceLine, quantity: Decimal | None, net: Decimal) -> InvoiceLine:
    return InvoiceLine(
        order_line_id=original.order_line_id,
        credits_line_id=original.id,
        item_id=original.item_id,
        item_no=original.item_no,
        description=original.description,
        quantity=quantity,
        unit=original.unit,
        unit_price=original.unit_price if quantity is not None else None,
        discount_percent=original.discount_percent,
        net_amount=net,
        vat_category=original.vat_category,
        vat_percent=original.vat_percent,  # the invoice's rate, whatever today's is
    )


def _requested_credits(
    invoice: Invoice, data: CreditNoteCreate, credited: dict[int, tuple[Decimal, Decimal]]
) -> list[InvoiceLine]:
    by_id = {line.id: line for line in invoice.lines}
    left = {
        line.id: (
            (line.quantity or ZERO) - credited.get(line.id, (ZERO, ZERO))[0],
            line.net_amount - credited.get(line.id, (ZERO, ZERO))[1],
        )
        for line in invoice.lines
    }
    if data.lines is None:  # everything not yet credited
        return [
            _credit_line(line, qty if qty > 0 else None, net)
            for line in invoice.lines
            for qty, net in [left[line.id]]
            if net > 0
        ]
    credits = []
    for index, given in enumerate(data.lines):
        field = f"lines[{index}]"
        original = by_id.get(given.invoice_line_id)
        if original is None:
            raise InvalidInput(
                f"invoice {invoice.number} has no line {given.invoice_line_id}",
                field=f"{field}.invoice_line_id",
            )
        qty_left, net_left = left[original.id]
        if given.quantity is not None:
            if original.unit_price is None or given.quantity > qty_left:
                raise CreditExceedsInvoice(
                    f"line {original.line_no} has {qty_left.normalize():f} {original.unit} "
                    "left to credit",
                    field=f"{field}.quantity",
                )
            net = line_amount(given.quantity, original.unit_price)
        else:
            net = given.net_amount or ZERO
        if net > net_left:
            raise CreditExceedsInvoice(
                f"line {original.line_no} has {net_left} EUR net left to credit; {net} requested",
                field=f"{field}.{'quantity' if given.quantity is not None else 'net_amount'}",
            )
        left[original.id] = (qty_left - (given.quantity or ZERO), net_left - net)
        credits.append(_credit_line(original, given.quantity, net))
    return credits


@use_case
def credit_invoice(
    session: Session, invoice_id: int, data: CreditNoteCreate, *, actor: str
) -> Invoice:
    """Write a credit note on an invoice (all that is left, or the given lines).

    Raises InvalidState (not an invoice), CreditExceedsInvoice (409), InvalidInput (422).
    Credit notes do not move stock: returned goods are received separately.
    """
    invoicing_company(session)
    invoice = get_invoice(session, invoice_id, lock=True)  # one credit note at a time
    if invoice.kind != InvoiceKind.invoice:
        raise InvalidState(f"{invoice.number} is a credit note; credit the invoice itself")
    credited = _credited(session, [line.id for line in invoice.lines])
    lines = _requested_credits(invoice, data, credited)
    if not lines or sum((line.net_amount for line in lines), ZERO) <= 0:
        raise CreditExceedsInvoice(f"invoice {invoice.number} is credited completely")
    customer = get_customer(session, invoice.customer_id)
    order = get_order(session, invoice.sales_order_id)
    note = _header(session, customer, order, InvoiceKind.credit_note, actor)
    note.credits_invoice_id = invoice.id
    note.reason = data.reason
    _finish(session, note, lines, CREDIT_NOTE_SERIES)
    invoice_documents.store_documents(session, note)
    return note


@use_case
def record_payment(
    session: Session, invoice_id: int, *, paid_on: date | None, actor: str
) -> Invoice:
    """Mark an invoice paid (the only change an issued invoice allows). When every invoice
    of a completely invoiced order is paid, the order is closed."""
    invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.kind != InvoiceKind.invoice:
        raise InvalidState(f"{invoice.number} is a credit note; only invoices are paid")
    if invoice.status == InvoiceStatus.paid:
        raise InvalidState(f"invoice {invoice.number} is paid already (on {invoice.paid_on})")
    invoice.status = InvoiceStatus.paid
    invoice.paid_on = paid_on or business_today(settings_of(session))
    invoice.paid_by = actor
    session.flush()
    order = get_order(session, invoice.sales_order_id, lock=True)
    unpaid = session.scalar(
        select(func.count()).where(
            Invoice.sales_order_id == order.id,
            Invoice.kind == InvoiceKind.invoice,
            Invoice.status == InvoiceStatus.issued,
        )
    )
    if order.status == SalesOrderStatus.invoiced and not unpaid:
        order.status = SalesOrderStatus.closed
    session.flush()
    return invoice
