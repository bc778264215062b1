"""Request and response models of units and items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from landkontor.catalog.models import Item, ItemUnit, Unit, VatCategory
from landkontor.common import bounds
from landkontor.common.bounds import PositiveQuantity as Positive
from landkontor.common.bounds import Quantity as NonNegativeDecimal
from landkontor.common.bounds import UnitCode, single_line
from landkontor.common.schemas import InputModel, OutputModel

# A net price in EUR per base unit: not negative, at most 6 decimals (cheap bulk goods per kg).
Price = bounds.UnitCost
UnitName = single_line(Unit.name, min_length=1)
Dimension = single_line(Unit.dimension, min_length=1)
PackUnitName = single_line(ItemUnit.name, min_length=1)
ItemNo = bounds.code(Item.item_no)
ItemName = single_line(Item.name, min_length=1)
ItemGroup = single_line(Item.item_group)
# A unit named in a request (base unit or pack unit code); stored as the entered unit.
UnitRef = single_line(Unit.code)


class UnitCreate(InputModel):
    code: UnitCode
    name: UnitName
    dimension: Dimension
    factor: Positive = Field(description="Amount of the dimension's reference unit (kg, l, Stk).")


class UnitOut(OutputModel):
    id: int
    code: str
    name: str
    dimension: str
    factor: Decimal


class PackUnitIn(InputModel):
    code: UnitCode
    name: PackUnitName
    factor: Positive = Field(description="Base units in one pack unit (Sack 25 kg: 25).")


class PackUnitOut(OutputModel):
    id: int
    code: str
    name: str
    factor: Decimal


class ItemCreate(InputModel):
    item_no: ItemNo
    name: ItemName
    base_unit: UnitCode = Field(description="Code of the base unit, e.g. kg.")
    item_group: ItemGroup = ""
    batch_managed: bool = False
    shelf_life_days: int | None = Field(None, ge=0, le=36500)
    active: bool = True
    allow_negative_stock: bool = False
    reorder_point: NonNegativeDecimal | None = None
    reorder_quantity: Positive | None = None
    base_price: Price | None = Field(None, description="Net EUR per base unit (no price list).")
    vat_category: VatCategory = VatCategory.standard
    pack_units: list[PackUnitIn] = Field(default_factory=list, max_length=100)


class ItemUpdate(InputModel):
    """Item number, base unit and batch management are fixed once an item exists."""

    name: ItemName | None = None
    item_group: ItemGroup | None = None
    shelf_life_days: int | None = Field(None, ge=0, le=36500)
    active: bool | None = None
    allow_negative_stock: bool | None = None
    reorder_point: NonNegativeDecimal | None = None
    reorder_quantity: Positive | None = None
    base_price: Price | None = None
    vat_category: VatCategory | None = None


class ItemOut(OutputModel):
    id: int
    item_no: str
    name: str
    base_unit: str
    item_group: str
    batch_managed: bool
    shelf_life_days: int | None
    active: bool
    allow_negative_stock: bool
    reorder_point: Decimal | None
    reorder_quantity: Decimal | None
    base_price: Decimal | None
    vat_category: VatCategory
    pack_units: list[PackUnitOut]
    created_at: datetime

    @field_validator("base_unit", mode="before")
    @classmethod
    def _unit_code(cls, value: Any) -> Any:
        return getattr(value, "code", value)
