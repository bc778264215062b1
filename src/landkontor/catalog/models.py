"""ORM models of units and items."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import Quantity, UnitCost, enum_column


class VatCategory(StrEnum):
    """Which VAT rate applies to an item; the percentage per date is in ``tax_rates``."""

    standard = "standard"  # 19 %
    reduced = "reduced"  # 7 %: seed, feed and most agricultural products
    zero = "zero"  # 0 %


class Unit(IdMixin, Base):
    """A unit of measure. Units of one dimension convert by their factor (t = 1000 kg)."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint("factor > 0", name="factor_positive"),)

    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    dimension: Mapped[str] = mapped_column(String(20), nullable=False)  # mass, volume, count …
    # How many of the dimension's reference unit (kg, l, Stk) one of this unit is.
    factor: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)


class Item(IdMixin, TimestampMixin, Base):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint("shelf_life_days IS NULL OR shelf_life_days >= 0", name="shelf_life"),
        CheckConstraint("base_price IS NULL OR base_price >= 0", name="base_price_not_negative"),
    )

    item_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    base_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    item_group: Mapped[str] = mapped_column(String(64), default="", nullable=False, index=True)
    batch_managed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    reorder_point: Mapped[Decimal | None] = mapped_column(Quantity())
    reorder_quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    # Net sales price in EUR per base unit when no price list has one (partners.pricing).
    base_price: Mapped[Decimal | None] = mapped_column(UnitCost())
    vat_category: Mapped[VatCategory] = mapped_column(
        enum_column(VatCategory, "vat_category"),
        default=VatCategory.standard,
        server_default=VatCategory.standard.value,
        nullable=False,
    )

    base_unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    pack_units: Mapped[list[ItemUnit]] = relationship(
        back_populates="item",
        lazy="select",  # loaded when used: postings in the base unit never need them
        cascade="all, delete-orphan",
        order_by="ItemUnit.code",
    )


class ItemUnit(IdMixin, Base):
    """A pack unit of one item, e.g. "Sack 25 kg" = 25 kg of the base unit."""

    __tablename__ = "item_units"
    __table_args__ = (
        UniqueConstraint("item_id", "code"),
        CheckConstraint("factor > 0", name="factor_positive"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    factor: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)

    item: Mapped[Item] = relationship(back_populates="pack_units")
