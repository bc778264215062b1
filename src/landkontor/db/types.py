"""Column types shared by every domain. One definition each, used everywhere.

* ``JSONType``: JSONB on PostgreSQL, JSON elsewhere.
* ``UTCDateTime``: timezone-aware UTC in and out, also on SQLite (which stores naive values).
* ``Quantity``, ``Money``, ``UnitCost``, ``Percent``: ``Numeric`` with a fixed scale, read back as
  ``Decimal``. Never float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Enum, Integer, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

JSONType = JSON().with_variant(JSONB(), "postgresql")

# BIGINT keys on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

# The API's input bounds (common/bounds.py) are derived from these: what a request may hold
# is what these columns store.
NUMERIC_PRECISION = 19
QUANTITY_SCALE = 4
MONEY_SCALE = 4
UNIT_COST_SCALE = 6
PERCENT_PRECISION = 7
PERCENT_SCALE = 4
# Hectolitre weight of grain (kg/hl): NUMERIC(7, 2).
HECTOLITRE_PRECISION = 7
HECTOLITRE_SCALE = 2


def Quantity() -> Numeric[Decimal]:  # noqa: N802 - reads like a type in column definitions
    """Quantity in a base unit: 4 decimals (grams of a kilogram, kilograms of a tonne)."""
    return Numeric(NUMERIC_PRECISION, QUANTITY_SCALE, asdecimal=True)


def Money() -> Numeric[Decimal]:  # noqa: N802
    """Amount in EUR. Stored with 4 decimals; documents round to cents where the law says."""
    return Numeric(NUMERIC_PRECISION, MONEY_SCALE, asdecimal=True)


def UnitCost() -> Numeric[Decimal]:  # noqa: N802
    """Price or cost per base unit: 6 decimals (EUR per kg of cheap bulk goods)."""
    return Numeric(NUMERIC_PRECISION, UNIT_COST_SCALE, asdecimal=True)


def Percent() -> Numeric[Decimal]:  # noqa: N802
    """A percentage such as 19.00 or 2.5."""
    return Numeric(PERCENT_PRECISION, PERCENT_SCALE, asdecimal=True)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC timestamp")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def enum_column(enum: type[StrEnum], name: str, *, length: int = 20) -> Enum:
    """The column type of a status or kind: its values as VARCHAR(``length``) (no database
    enum type, so adding a value needs no migration of a type), checked on the way in."""
    return Enum(enum, name=name, native_enum=False, length=length, validate_strings=True)
