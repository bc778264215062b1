"""Rounding of amounts, values, unit prices and quantities — every rounding in one place,
each with the scale it rounds to named. Always half-up (kaufmännisch gerundet).

* **cents** (2 places): amounts on documents — order, invoice and credit-note lines, VAT;
* **value** (``MONEY_SCALE``, 4 places): stock values in the ledger and the moving average;
* **unit price** (``UNIT_COST_SCALE``, 6 places): unit costs and net unit prices (EUR per kg
  of bulk goods needs more than cents);
* **quantity** (``QUANTITY_SCALE``, 4 places): computed quantities (recipe scaling).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from landkontor.db.types import MONEY_SCALE, QUANTITY_SCALE, UNIT_COST_SCALE

CENT_SCALE = 2
CENT = Decimal(1).scaleb(-CENT_SCALE)
_VALUE_STEP = Decimal(1).scaleb(-MONEY_SCALE)
_UNIT_PRICE_STEP = Decimal(1).scaleb(-UNIT_COST_SCALE)
_QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_SCALE)


def round_cents(amount: Decimal) -> Decimal:
    """A document amount, to cents."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_value(value: Decimal) -> Decimal:
    """A stock value (ledger, moving average), to ``MONEY_SCALE`` places."""
    return value.quantize(_VALUE_STEP, rounding=ROUND_HALF_UP)


def round_unit_price(price: Decimal) -> Decimal:
    """A unit cost or net unit price, to ``UNIT_COST_SCALE`` places."""
    return price.quantize(_UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)


def round_quantity(quantity: Decimal) -> Decimal:
    """A computed quantity, to ``QUANTITY_SCALE`` places."""
    return quantity.quantize(_QUANTITY_STEP, rounding=ROUND_HALF_UP)
