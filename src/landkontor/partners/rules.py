"""Rules of money, VAT and prices as plain functions (no database).

Amounts are EUR as Decimal. Unit prices keep 6 decimals (EUR per kg of bulk goods); line
amounts are rounded half-up to cents; VAT is computed per rate on the sum of the net lines
of that rate (German practice), not per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from landkontor.catalog.models import VatCategory
from landkontor.common.money import round_cents, round_unit_price

HUNDRED = Decimal(100)
ZERO = Decimal(0)


def discounted(price: Decimal, discount_percent: Decimal) -> Decimal:
    """The net unit price after a discount, at price precision."""
    return round_unit_price(price * (HUNDRED - discount_percent) / HUNDRED)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's net amount: quantity times unit price, rounded half-up to cents."""
    return round_cents(quantity * unit_price)


def vat_of(net: Decimal, percent: Decimal) -> Decimal:
    return round_cents(net * percent / HUNDRED)


@dataclass(frozen=True)
class TaxTotal:
    category: VatCategory
    percent: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    taxes: list[TaxTotal]
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def vat_totals(lines: Iterable[tuple[VatCategory, Decimal, Decimal]]) -> Totals:
    """Totals of (category, percent, net amount) lines: VAT per rate on the sum of its nets."""
    nets: dict[tuple[VatCategory, Decimal], Decimal] = {}
    for category, percent, net in lines:
        nets[(category, percent)] = nets.get((category, percent), ZERO) + net
    taxes = [
        TaxTotal(category, percent, net, vat_of(net, percent))
        for (category, percent), net in sorted(nets.items(), key=lambda kv: kv[0][0].value)
    ]
    return Totals(
        taxes=taxes,
        net=sum((t.net for t in taxes), ZERO),
        vat=sum((t.vat for t in taxes), ZERO),
    )


def valid_on(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def periods_overlap(
    a_from: date | None, a_to: date | None, b_from: date | None, b_to: date | None
) -> bool:
    """Whether two validity periods (None = open end) share at least one day."""
    starts_before_b_ends = a_from is None or b_to is None or a_from <= b_to
    b_starts_before_a_ends = b_from is None or a_to is None or b_from <= a_to
    return starts_before_b_ends and b_starts_before_a_ends


def best_break(entries: Sequence[Any], quantity: Decimal, day: date) -> Any | None:
    """The price entry for ``quantity`` on ``day``: the highest quantity break not above the
    quantity among the entries valid that day (later start wins a tie). None if none fits."""
    fitting = [
        e for e in entries if e.min_quantity <= quantity and valid_on(e.valid_from, e.valid_to, day)
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda e: (e.min_quantity, e.valid_from or date.min))


def check_payment_terms(
    payment_days: int | None, cash_discount_percent: Decimal | None, cash_discount_days: int | None
) -> str | None:
    """Why a set of payment terms is inconsistent, or None if it is fine."""
    if (cash_discount_percent is None) != (cash_discount_days is None):
        return "cash discount needs both a percentage and days"
    if cash_discount_days is not None and payment_days is None:
        return "a cash discount needs payment_days as well"
    if (
        cash_discount_days is not None
        and payment_days is not None
        and cash_discount_days > payment_days
    ):
        return "cash discount days must not exceed the payment days"
    return None


@dataclass(frozen=True)
class PostalAddress:
    street: str
    postal_code: str
    city: str
    country: str


def billing_address(partner: Any) -> PostalAddress:
    """Where invoices go: the billing address when one is set (its city), else the address."""
    if partner.billing_city:
        return PostalAddress(
            partner.billing_street,
            partner.billing_postal_code,
            partner.billing_city,
            partner.billing_country or partner.country,
        )
    return PostalAddress(partner.street, partner.postal_code, partner.city, partner.country)


def check_invoice_recipient(invoice_format: str, invoice_email: str | None) -> str | None:
    """Why a partner's invoice settings do not fit together, or None."""
    if invoice_format == "xrechnung" and not invoice_email:
        return (
            "XRechnung is sent by e-mail and names the buyer's electronic address (BT-49): "
            "set invoice_email"
        )
    return None
