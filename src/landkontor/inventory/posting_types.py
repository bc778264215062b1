"""What a posting passes along: the line another domain hands in (``PostingLine``) and the
level change the checks hand to the ledger writer (``Delta``, with ``ItemInfo`` and how to
value it, ``Valuation``).

Read :mod:`landkontor.inventory.posting` for how a request becomes a posting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from landkontor.catalog.models import Item
    from landkontor.inventory.models import Batch, Location


@dataclass(frozen=True)
class PostingLine:
    """One line of a movement as other domains hand it in.

    ``quantity`` is in ``unit`` (None: the item's base unit); positive, except for
    adjustments where the sign says the direction. ``unit_cost`` is per entered unit and
    only for stock coming in (receipts, positive adjustments); None means the current average.
    """

    item_id: int
    location_id: int
    quantity: Decimal
    unit: str | None = None
    batch_id: int | None = None
    to_location_id: int | None = None
    unit_cost: Decimal | None = None
    value: Decimal | None = None  # incoming stock with an exact total value (production)


class Valuation(Enum):
    inflow = "in"  # at a given cost, or the average
    outflow = "out"  # at the moving average
    fixed = "fixed"  # value given (transfers, reversed transfers): average unchanged


@dataclass(frozen=True)
class ItemInfo:
    """What a posting needs to know of an item."""

    id: int
    item_no: str
    batch_managed: bool
    active: bool
    allow_negative_stock: bool
    unit: str  # base unit code

    @classmethod
    def of(cls, item: Item) -> ItemInfo:
        return cls(
            item.id,
            item.item_no,
            item.batch_managed,
            item.active,
            item.allow_negative_stock,
            item.base_unit.code,
        )


@dataclass
class Delta:
    """A change of one stock level, and how to value it."""

    item: ItemInfo
    location: Location
    batch: Batch | None
    quantity: Decimal  # signed, base unit
    entered_quantity: Decimal
    entered_unit: str
    valuation: Valuation
    unit_cost: Decimal | None = None
    value: Decimal | None = None
    pair: Delta | None = field(default=None, repr=False)  # transfers: the incoming twin
