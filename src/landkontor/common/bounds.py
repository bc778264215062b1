"""The bounds of every value the API accepts: one place, used by every request model and
path/query parameter, and visible in the OpenAPI schema (``minimum``, ``maximum``,
``maxLength``, ``pattern``).

Why: whatever passes validation must fit the database. A value that does not (an id beyond
BIGINT, a number beyond its NUMERIC column, a string longer than its column or holding a NUL
byte, which PostgreSQL text cannot store) would otherwise reach the database and come back
as a server error. Out of bounds is a 422 problem naming the field, like any invalid value.

* Ids are 1 … 2^63-1 (BIGINT keys); offsets 0 … 2^63-1 (PostgreSQL's OFFSET is a BIGINT).
* Decimals carry the precision of their column (``db/types.py``): at most its decimals and
  less than 10^(precision - scale). The same constants define the columns.
* Text: single-line values hold no control characters at all; free text (notes, reasons,
  addresses) may hold line breaks and tabs but no other control character (NUL included).
  A string's ``max_length`` is its column's: :func:`length_of` reads it from the column, so
  the two cannot drift apart (``tests/unit/test_bounds.py`` checks every request model).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from landkontor.db.types import (
    HECTOLITRE_PRECISION,
    HECTOLITRE_SCALE,
    MONEY_SCALE,
    NUMERIC_PRECISION,
    PERCENT_PRECISION,
    PERCENT_SCALE,
    QUANTITY_SCALE,
    UNIT_COST_SCALE,
)

# --- integers --------------------------------------------------------------------------
ID_MAX = 2**63 - 1  # the largest BIGINT
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Offset = Annotated[int, Field(ge=0, le=ID_MAX)]


# --- decimals ----------------------------------------------------------------------------
def numeric_max(precision: int, scale: int) -> Decimal:
    """The largest value a ``NUMERIC(precision, scale)`` column stores: 10^(p-s) - 10^-s."""
    return Decimal(10) ** (precision - scale) - Decimal(10) ** -scale


def _decimal(precision: int, scale: int, *, lowest: str) -> Any:
    """A Decimal within NUMERIC(precision, scale); ``lowest`` is ``signed``, ``zero`` (≥ 0)
    or ``positive`` (> 0). JSON numbers and strings are accepted, infinities and NaN not."""
    largest = numeric_max(precision, scale)
    ge: Decimal | None = {"signed": -largest, "zero": Decimal(0)}.get(lowest)
    gt: Decimal | None = Decimal(0) if lowest == "positive" else None
    return Field(
        le=largest,
        ge=ge,
        gt=gt,
        max_digits=precision,
        decimal_places=scale,
        allow_inf_nan=False,
    )


QUANTITY_MAX = numeric_max(NUMERIC_PRECISION, QUANTITY_SCALE)
MONEY_MAX = numeric_max(NUMERIC_PRECISION, MONEY_SCALE)
UNIT_COST_MAX = numeric_max(NUMERIC_PRECISION, UNIT_COST_SCALE)

# Quantities (and unit factors, capacities, reorder points): NUMERIC(19, 4).
Quantity = Annotated[Decimal, _decimal(NUMERIC_PRECISION, QUANTITY_SCALE, lowest="zero")]
PositiveQuantity = Annotated[
    Decimal, _decimal(NUMERIC_PRECISION, QUANTITY_SCALE, lowest="positive")
]
SignedQuantity = Annotated[Decimal, _decimal(NUMERIC_PRECISION, QUANTITY_SCALE, lowest="signed")]
# Prices and costs per unit: NUMERIC(19, 6).
UnitCost = Annotated[Decimal, _decimal(NUMERIC_PRECISION, UNIT_COST_SCALE, lowest="zero")]
# Amounts of money in EUR: NUMERIC(19, 4); the API takes cents (2 decimals) for limits.
Money = Annotated[Decimal, _decimal(NUMERIC_PRECISION, MONEY_SCALE, lowest="zero")]
Cents = Annotated[Money, Field(decimal_places=2)]
# Surcharges and discounts (a premium per tonne may be negative): signed NUMERIC(19, 4).
SignedMoney = Annotated[Decimal, _decimal(NUMERIC_PRECISION, MONEY_SCALE, lowest="signed")]
# Hectolitre weight of grain in kg/hl: NUMERIC(7, 2), above zero.
HectolitreWeight = Annotated[
    Decimal, _decimal(HECTOLITRE_PRECISION, HECTOLITRE_SCALE, lowest="positive")
]
# Percentages: NUMERIC(7, 4), and never above 100.
Percent = Annotated[
    Decimal,
    _decimal(PERCENT_PRECISION, PERCENT_SCALE, lowest="zero"),
    Field(le=Decimal(100)),
]
PercentBelow100 = Annotated[Percent, Field(lt=Decimal(100))]


# --- dates and times -------------------------------------------------------------------
# Business dates and timestamps lie within these years: far enough for any contract or
# best-before date, and far from the ends of Python's calendar, where adding payment days or
# a shelf life to a date would overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2999
BusinessDate = Annotated[date, Field(ge=date(FIRST_YEAR, 1, 1), le=date(LAST_YEAR, 12, 31))]


def utc_within_years(value: datetime) -> datetime:
    """Naive timestamps are read as UTC; the moment must lie within the business years."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:  # also keeps the UTC conversion in range
        raise ValueError(f"the timestamp must lie in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value.astimezone(UTC)


Timestamp = Annotated[datetime, AfterValidator(utc_within_years)]
# A moment that must carry its time zone (a scale's clock): naive values are refused.
AwareTimestamp = Annotated[AwareDatetime, AfterValidator(utc_within_years)]


# --- text ----------------------------------------------------------------------------------
# No control character (C0, DEL) at all: names, codes, references, search terms.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
# Free text: line breaks (LF, CR) and tabs allowed; NUL and the other control characters not.
FREE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# Codes and numbers typed by people: a letter or digit first, then a few separators.
CODE = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
# Batch numbers: printable, no surrounding blanks, blanks inside allowed.
BATCH_NO = r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
# Free-text fields on TEXT columns (no length of their own): this long at most.
FREE_TEXT_MAX = 2000


def length_of(column: Any) -> int:
    """The declared length of a String column (``Warehouse.code`` → 32)."""
    column = getattr(column, "expression", column)
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} has no declared length")
    return length


def single_line(max_length: int | Any, *, min_length: int | None = None) -> Any:
    """A one-line text of at most ``max_length`` (a number or a String column)."""
    return _text(max_length, min_length, SINGLE_LINE)


def free_text(max_length: int | Any = FREE_TEXT_MAX, *, min_length: int | None = None) -> Any:
    """Text that may span lines: at most ``max_length`` (a number or a String column)."""
    return _text(max_length, min_length, FREE_TEXT)


def code(max_length: int | Any, *, pattern: str = CODE) -> Any:
    """A code people type (item number, warehouse code): ``pattern``, 1 … ``max_length``."""
    return _text(max_length, 1, pattern)


def _text(max_length: int | Any, min_length: int | None, pattern: str) -> Any:
    length = max_length if isinstance(max_length, int) else length_of(max_length)
    return Annotated[
        str, StringConstraints(min_length=min_length, max_length=length, pattern=pattern)
    ]


# Shared text types whose columns are the same length everywhere they are written.
Name = single_line(200, min_length=1)  # names of items, partners, warehouses, locations
ItemNo = code(64)  # item, customer, supplier numbers; price list and group codes
UnitCode = code(20, pattern=r"^[A-Za-z0-9][\w.%-]*$")
BatchNo = code(64, pattern=BATCH_NO)
Reference = single_line(100)  # references, delivery note numbers, customer references
Note = free_text()  # notes and reasons on TEXT columns
Reason = free_text(min_length=3)  # why a correction, recall or cancellation was made
Search = single_line(100)  # search terms in queries
