"""Exact unit conversion (pure rules, no database)."""

from __future__ import annotations

from decimal import Decimal

from landkontor.db.types import QUANTITY_SCALE
from landkontor.errors import InvalidInput

_STEP = Decimal(1).scaleb(-QUANTITY_SCALE)
MAX_QUANTITY = Decimal(10) ** 14  # NUMERIC(19, 4) holds 15 integer digits


def exact_quantity(value: Decimal, *, field: str = "quantity") -> Decimal:
    """``value`` at the stored scale; InvalidInput if that would round it."""
    if not value.is_finite() or abs(value) >= MAX_QUANTITY:
        raise InvalidInput(f"{value} is out of range (at most {MAX_QUANTITY - 1})", field=field)
    quantized = value.quantize(_STEP)
    if quantized != value:
        raise InvalidInput(
            f"{value} has more than {QUANTITY_SCALE} decimal places in the base unit",
            field=field,
        )
    return quantized


def convert(quantity: Decimal, factor_from: Decimal, factor_to: Decimal, *, field: str) -> Decimal:
    """Convert ``quantity`` between two units given their factors to a common reference."""
    return exact_quantity(quantity * factor_from / factor_to, field=field)
