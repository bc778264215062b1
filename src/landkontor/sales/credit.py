"""Credit exposure of a customer: open receivables plus open order value (gross).

Open receivables are unpaid invoices less the credit notes written on them; open order
value is what confirmed orders have not invoiced yet, with VAT at today's rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.models import VatCategory
from landkontor.common.clock import business_today
from landkontor.db.session import settings_of
from landkontor.partners.models import Customer
from landkontor.partners.pricing import vat_percent
from landkontor.partners.rules import Totals, line_amount, vat_totals
from landkontor.partners.service import effective_terms
from landkontor.sales.errors import CreditLimitExceeded
from landkontor.sales.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
)

ZERO = Decimal(0)
# Orders whose not yet invoiced value counts against the credit limit.
COMMITTED = (
    SalesOrderStatus.confirmed,
    SalesOrderStatus.partially_delivered,
    SalesOrderStatus.delivered,
)


@dataclass(frozen=True)
class CreditStatus:
    customer_id: int
    credit_limit: Decimal | None
    credit_limit_source: str
    open_receivables: Decimal
    open_orders: Decimal

    @property
    def exposure(self) -> Decimal:
        return self.open_receivables + self.open_orders

    @property
    def available(self) -> Decimal | None:
        return None if self.credit_limit is None else self.credit_limit - self.exposure


def open_receivables(session: Session, customer_id: int) -> Decimal:
    """Gross of the customer's unpaid invoices less the credit notes on them."""
    credit = aliased(Invoice)
    unpaid = select(Invoice.id).where(
        Invoice.customer_id == customer_id,
        Invoice.kind == InvoiceKind.invoice,
        Invoice.status == InvoiceStatus.issued,
    )
    invoiced = session.scalar(
        select(func.coalesce(func.sum(Invoice.gross_total), ZERO)).where(Invoice.id.in_(unpaid))
    )
    credited = session.scalar(
        select(func.coalesce(func.sum(credit.gross_total), ZERO)).where(
            credit.credits_invoice_id.in_(unpaid)
        )
    )
    return Decimal(invoiced or ZERO) - Decimal(credited or ZERO)


def priced_totals(
    session: Session, lines: Iterable[tuple[VatCategory, Decimal, Decimal]]
) -> Totals:
    """Totals of (VAT category, quantity, net unit price) lines at today's VAT rates."""
    today = business_today(settings_of(session))
    percents: dict[VatCategory, Decimal] = {}
    rows = []
    for category, quantity, unit_price in lines:
        if quantity <= 0:
            continue
        if category not in percents:
            percents[category] = vat_percent(session, category, today)
        rows.append((category, percents[category], line_amount(quantity, unit_price)))
    return vat_totals(rows)


def open_line_totals(session: Session, lines: Iterable[SalesOrderLine]) -> Totals:
    """Net, VAT and gross of what order lines have not invoiced yet."""
    return priced_totals(
        session,
        (
            (line.vat_category, line.quantity - line.invoiced_quantity, line.unit_price)
            for line in lines
        ),
    )


def open_order_value(
    session: Session, customer_id: int, *, except_order_id: int | None = None
) -> Decimal:
    """Gross value of the customer's committed orders not yet invoiced."""
    stmt = (
        select(SalesOrderLine)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrder.customer_id == customer_id, SalesOrder.status.in_(COMMITTED))
    )
    if except_order_id is not None:
        stmt = stmt.where(SalesOrder.id != except_order_id)
    return open_line_totals(session, session.scalars(stmt)).gross


def credit_status(session: Session, customer: Customer) -> CreditStatus:
    terms = effective_terms(session, customer)
    return CreditStatus(
        customer_id=customer.id,
        credit_limit=terms.credit_limit,
        credit_limit_source=terms.credit_limit_source,
        open_receivables=open_receivables(session, customer.id),
        open_orders=open_order_value(session, customer.id),
    )


@dataclass(frozen=True)
class CreditCheck:
    """The credit limit against an order: open receivables + the customer's other open
    orders + this order (all gross) must not exceed the limit."""

    credit_limit: Decimal
    credit_limit_source: str
    open_receivables: Decimal
    other_orders: Decimal
    this_order: Decimal

    @property
    def exposure(self) -> Decimal:
        return self.open_receivables + self.other_orders + self.this_order

    @property
    def left(self) -> Decimal:
        """What the limit still allows beyond this order (negative: exceeded by that)."""
        return self.credit_limit - self.exposure

    @property
    def exceeded(self) -> bool:
        return self.exposure > self.credit_limit


def credit_check(session: Session, customer: Customer, order: SalesOrder) -> CreditCheck | None:
    """The credit check of ``order`` for ``customer`` (read-only); None without a limit."""
    terms = effective_terms(session, customer)
    if terms.credit_limit is None:
        return None
    return CreditCheck(
        credit_limit=terms.credit_limit,
        credit_limit_source=terms.credit_limit_source,
        open_receivables=open_receivables(session, customer.id),
        other_orders=open_order_value(session, customer.id, except_order_id=order.id),
        this_order=open_line_totals(session, order.lines).gross,
    )


def check_credit_limit(session: Session, customer: Customer, order: SalesOrder) -> None:
    """CreditLimitExceeded (409) when open receivables + other open orders + this order
    exceed the customer's (or its group's) credit limit. No limit set: no check."""
    check = credit_check(session, customer, order)
    if check is None or not check.exceeded:
        return
    raise CreditLimitExceeded(
        f"order {order.order_no} ({check.this_order} EUR gross) would bring customer "
        f"{customer.customer_no} to {check.exposure} EUR: open receivables "
        f"{check.open_receivables} + open orders {check.other_orders} + this order; the credit "
        f"limit is {check.credit_limit} EUR ({check.credit_limit_source})",
        customer_id=customer.id,
        credit_limit=str(check.credit_limit),
        open_receivables=str(check.open_receivables),
        open_orders=str(check.other_orders),
        order_value=str(check.this_order),
    )
