"""ORM models of the inventory domain.

The ledger (``stock_ledger``) is append-only: database triggers reject updates (and, on
PostgreSQL, deletes). Levels (``stock_levels``) and item costs (``item_costs``) are derived
from it and kept in step inside the same transaction; ``landkontor stock verify`` proves it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from landkontor.catalog.models import Item
from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import (
    BigIntPK,
    JSONType,
    Money,
    Quantity,
    UnitCost,
    UTCDateTime,
    enum_column,
    utcnow,
)


class LocationKind(StrEnum):
    zone = "zone"
    aisle = "aisle"
    rack = "rack"
    bin = "bin"
    silo = "silo"
    hall = "hall"
    area = "area"


class BatchStatus(StrEnum):
    released = "released"
    blocked = "blocked"
    recalled = "recalled"


class BatchOrigin(StrEnum):
    receipt = "receipt"
    production = "production"
    manual = "manual"


class MovementType(StrEnum):
    receipt = "receipt"
    issue = "issue"
    transfer = "transfer"
    adjustment = "adjustment"
    reversal = "reversal"


class StocktakeStatus(StrEnum):
    open = "open"
    posted = "posted"
    cancelled = "cancelled"


class Warehouse(IdMixin, TimestampMixin, Base):
    __tablename__ = "warehouses"

    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class Location(IdMixin, TimestampMixin, Base):
    """A storage location (LagerOrt). Only leaf, unblocked locations take stock."""

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "code"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind, "location_kind"))
    # Materialised path of ids, "/3/7/12/": finds a location's whole subtree with one LIKE.
    path: Mapped[str] = mapped_column(String(500), default="", nullable=False, index=True)
    capacity: Mapped[Decimal | None] = mapped_column(Quantity())
    capacity_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    warehouse: Mapped[Warehouse] = relationship(lazy="joined", innerjoin=True)


class Batch(IdMixin, TimestampMixin, Base):
    """A batch (Charge) of one item. 'Expired' is derived from the best-before date."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("item_id", "batch_no"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    batch_no: Mapped[str] = mapped_column(String(64), nullable=False)
    origin: Mapped[BatchOrigin] = mapped_column(enum_column(BatchOrigin, "batch_origin"))
    supplier_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("suppliers.id"), index=True
    )
    supplier_batch_no: Mapped[str | None] = mapped_column(String(64))
    production_date: Mapped[date | None] = mapped_column(Date)
    best_before: Mapped[date | None] = mapped_column(Date, index=True)
    # Indexed for the few blocked and recalled batches (monitoring counts those with stock).
    status: Mapped[BatchStatus] = mapped_column(
        enum_column(BatchStatus, "batch_status"),
        default=BatchStatus.released,
        nullable=False,
        index=True,
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)

    item: Mapped[Item] = relationship(lazy="joined", innerjoin=True)


class BatchStatusChange(IdMixin, Base):
    __tablename__ = "batch_status_changes"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False, index=True)
    from_status: Mapped[BatchStatus | None] = mapped_column(
        enum_column(BatchStatus, "batch_status")
    )
    to_status: Mapped[BatchStatus] = mapped_column(enum_column(BatchStatus, "batch_status"))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(150), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class StockMovement(IdMixin, Base):
    """One posting (Lagerbewegung): the header of its ledger lines. Never changed."""

    __tablename__ = "stock_movements"

    movement_type: Mapped[MovementType] = mapped_column(enum_column(MovementType, "movement_type"))
    reference: Mapped[str] = mapped_column(String(100), default="", nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # The business document that caused it (delivery, goods receipt, production order …).
    document_type: Mapped[str | None] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(BigIntPK)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    posted_by: Mapped[str] = mapped_column(String(150), nullable=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    lines: Mapped[list[LedgerEntry]] = relationship(
        back_populates="movement", lazy="selectin", order_by="LedgerEntry.line_no"
    )

    __table_args__ = (Index("ix_stock_movements_document", "document_type", "document_id"),)


class LedgerEntry(IdMixin, Base):
    """An immutable ledger line: signed quantity in the base unit and its value."""

    __tablename__ = "stock_ledger"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        Index("ix_stock_ledger_item_posted", "item_id", "posted_at"),
        Index("ix_stock_ledger_location", "location_id"),
        Index("ix_stock_ledger_batch", "batch_id"),
    )

    movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movements.id"), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    unit_cost: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)
    value: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    entered_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    entered_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    movement: Mapped[StockMovement] = relationship(back_populates="lines")


class StockLevel(IdMixin, Base):
    """Quantity on hand per (item, location, batch); always the sum of the ledger."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        # batch_key = batch id or 0: one row per item/location also without a batch
        # (NULLs would not collide in a unique index).
        UniqueConstraint("item_id", "location_id", "batch_key"),
        Index("ix_stock_levels_location", "location_id"),
        Index("ix_stock_levels_batch", "batch_id"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    batch_key: Mapped[int] = mapped_column(BigInteger, nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ItemCost(Base):
    """Moving-average valuation per item: total quantity and value on hand (all warehouses)."""

    __tablename__ = "item_costs"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    value: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    average_cost: Mapped[Decimal] = mapped_column(UnitCost(), nullable=False)


class Reservation(IdMixin, Base):
    """Stock promised to a document line (sales order, production order) in a warehouse."""

    __tablename__ = "stock_reservations"
    __table_args__ = (
        UniqueConstraint("document_type", "document_id", "document_line_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index("ix_stock_reservations_item", "item_id", "warehouse_id"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    document_type: Mapped[str] = mapped_column(String(40), nullable=False)
    document_id: Mapped[int] = mapped_column(BigIntPK, nullable=False)
    document_line_id: Mapped[int] = mapped_column(BigIntPK, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Stocktake(IdMixin, TimestampMixin, Base):
    """A count (Inventur) of a set of locations; expected quantities are frozen at opening."""

    __tablename__ = "stocktakes"

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), nullable=False)
    status: Mapped[StocktakeStatus] = mapped_column(
        enum_column(StocktakeStatus, "stocktake_status"),
        default=StocktakeStatus.open,
        nullable=False,
    )
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    opened_by: Mapped[str] = mapped_column(String(150), nullable=False)
    posted_by: Mapped[str | None] = mapped_column(String(150))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("stock_movements.id"))

    locations: Mapped[list[StocktakeLocation]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )
    lines: Mapped[list[StocktakeLine]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StocktakeLine.id"
    )


class StocktakeLocation(Base):
    """Locations under count. A location is in at most one open stocktake."""

    __tablename__ = "stocktake_locations"

    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    # Set while the stocktake is open; unique, so a location cannot be counted twice at once.
    open_lock: Mapped[int | None] = mapped_column(BigIntPK, unique=True)


class StocktakeLine(IdMixin, Base):
    __tablename__ = "stocktake_lines"
    __table_args__ = (UniqueConstraint("stocktake_id", "item_id", "location_id", "batch_key"),)

    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    batch_key: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expected_quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    counted_quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    counted_by: Mapped[str | None] = mapped_column(String(150))


class BatchLink(IdMixin, Base):
    """Genealogy: stock of ``parent`` went into ``child`` (production, mixing, repacking)."""

    __tablename__ = "batch_links"
    __table_args__ = (
        UniqueConstraint(
            "parent_batch_id",
            "child_batch_id",
            "document_type",
            "document_id",
            name="uq_batch_links_edge",
        ),
        CheckConstraint("parent_batch_id <> child_batch_id", name="not_self"),
        Index("ix_batch_links_child", "child_batch_id", "parent_batch_id"),
        Index("ix_batch_links_parent", "parent_batch_id", "child_batch_id"),
    )

    parent_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False)
    child_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), nullable=False)
    document_type: Mapped[str] = mapped_column(String(40), nullable=False)
    document_id: Mapped[int] = mapped_column(BigIntPK, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Set when the document that made the link is cancelled; traces ignore void links.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StockMix(IdMixin, Base):
    """Mixing or repacking outside production: input batches become one output batch."""

    __tablename__ = "stock_mixes"

    output_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    reference: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
