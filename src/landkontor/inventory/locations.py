"""Warehouses and storage locations (LagerOrt): a tree per warehouse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.service import get_item
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import use_case
from landkontor.errors import AlreadyExists, InvalidInput, InvalidState
from landkontor.inventory.models import Location, StockLevel, StocktakeLocation, Warehouse
from landkontor.inventory.schemas import (
    LocationCreate,
    LocationUpdate,
    WarehouseCreate,
    WarehouseUpdate,
)


def get_warehouse(session: Session, warehouse_id: int, *, field: str | None = None) -> Warehouse:
    return fetch(session, Warehouse, warehouse_id, kind="warehouse", field=field)


def list_warehouses(session: Session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).order_by(Warehouse.code)))


@use_case
def create_warehouse(session: Session, data: WarehouseCreate) -> Warehouse:
    if session.scalar(select(Warehouse.id).where(Warehouse.code == data.code)):
        raise AlreadyExists(f"warehouse {data.code} already exists", field="code")
    warehouse = Warehouse(**data.model_dump())
    session.add(warehouse)
    session.flush()
    return warehouse


@use_case
def update_warehouse(session: Session, warehouse_id: int, data: WarehouseUpdate) -> Warehouse:
    warehouse = get_warehouse(session, warehouse_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidInput(f"{field} cannot be empty", field=field)
        setattr(warehouse, field, value)
    session.flush()
    return warehouse


def get_location(session: Session, location_id: int, *, field: str | None = None) -> Location:
    return fetch(session, Location, location_id, kind="location", field=field)


def locations_by_id(session: Session, location_ids: list[int]) -> dict[int, Location]:
    """These locations by id, in one query (for lists that show the codes of their rows)."""
    if not location_ids:
        return {}
    rows = session.scalars(select(Location).where(Location.id.in_(set(location_ids))))
    return {location.id: location for location in rows}


def has_children(session: Session, location_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Location.parent_id == location_id))))


def holds_stock(session: Session, location_id: int) -> bool:
    return bool(
        session.scalar(
            select(exists().where(StockLevel.location_id == location_id, StockLevel.quantity != 0))
        )
    )


def list_locations(
    session: Session,
    params: PageParams,
    *,
    warehouse_id: int | None = None,
    parent_id: int | None = None,
    within: int | None = None,
    top_level: bool = False,
) -> tuple[list[Location], int]:
    """Locations, optionally of one warehouse, children of one parent, or a whole subtree;
    ``top_level``: only those without a parent (the roots of the tree)."""
    stmt = select(Location).order_by(Location.warehouse_id, Location.path)
    if top_level:
        stmt = stmt.where(Location.parent_id.is_(None))
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
    if parent_id is not None:
        stmt = stmt.where(Location.parent_id == parent_id)
    if within is not None:
        root = get_location(session, within, field="within")
        stmt = stmt.where(Location.path.startswith(root.path))
    return paginate(session, stmt, params)


def child_counts(session: Session, location_ids: list[int]) -> dict[int, int]:
    """How many direct sub-locations each of these locations has (one query)."""
    if not location_ids:
        return {}
    rows = session.execute(
        select(Location.parent_id, func.count())
        .where(Location.parent_id.in_(location_ids))
        .group_by(Location.parent_id)
    )
    # parent_id IN (...) leaves out the roots, whose parent_id is NULL
    return {parent_id: int(count) for parent_id, count in rows if parent_id is not None}


def stock_in_subtrees(session: Session, locations: list[Location]) -> dict[int, Decimal]:
    """The stock (sum of levels, in base units) in each location and all its sub-locations:
    what a location with a capacity has in use. One query for all of them."""
    if not locations:
        return {}
    node = aliased(Location)
    inside = aliased(Location)
    rows = session.execute(
        select(node.id, func.coalesce(func.sum(StockLevel.quantity), 0))
        .join(inside, inside.path.startswith(node.path))
        .join(StockLevel, StockLevel.location_id == inside.id)
        .where(node.id.in_([loc.id for loc in locations]))
        .group_by(node.id)
    )
    used = dict.fromkeys((loc.id for loc in locations), Decimal(0))
    used.update({location_id: Decimal(total) for location_id, total in rows})
    return used


@use_case
def set_location_blocked(session: Session, location_id: int, blocked: bool) -> Location:
    """Block a location (no postings to or from it) or unblock it."""
    return update_location(session, location_id, LocationUpdate(blocked=blocked))


@use_case
def create_location(session: Session, data: LocationCreate) -> Location:
    """Create a location, optionally below a parent of the same warehouse.

    A parent that holds stock cannot get children (only leaves take stock).
    """
    get_warehouse(session, data.warehouse_id, field="warehouse_id")
    parent = None
    if data.parent_id is not None:
        parent = get_location(session, data.parent_id, field="parent_id")
        if parent.warehouse_id != data.warehouse_id:
            raise InvalidInput("the parent belongs to another warehouse", field="parent_id")
        if holds_stock(session, parent.id):
            raise InvalidState(
                f"location {parent.code} holds stock; move it before adding sub-locations",
                field="parent_id",
            )
    if data.capacity_item_id is not None:
        get_item(session, data.capacity_item_id, field="capacity_item_id")
    duplicate = select(Location.id).where(
        Location.warehouse_id == data.warehouse_id, Location.code == data.code
    )
    if session.scalar(duplicate):
        raise AlreadyExists(f"location {data.code} exists in this warehouse", field="code")
    location = Location(**data.model_dump())
    session.add(location)
    session.flush()
    location.path = f"{parent.path if parent else '/'}{location.id}/"
    session.flush()
    return location


@use_case
def update_location(session: Session, location_id: int, data: LocationUpdate) -> Location:
    location = get_location(session, location_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "kind", "blocked", "allow_negative_stock"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field} cannot be empty", field=field)
    if changes.get("capacity_item_id") is not None:
        get_item(session, changes["capacity_item_id"], field="capacity_item_id")
    for field, value in changes.items():
        setattr(location, field, value)
    session.flush()
    return location


def posting_locations(session: Session, *, limit: int = 1000) -> list[Any]:
    """Locations that take stock (leaves), for the choice on a posting form: id, code, name,
    blocked, warehouse code, and ``counting`` (an open stocktake counts it: it takes no
    other postings). Ordered by warehouse and path; at most ``limit``."""
    child = aliased(Location)
    has_child = select(child.id).where(child.parent_id == Location.id).exists()
    counting = (
        select(StocktakeLocation.location_id)
        .where(
            StocktakeLocation.location_id == Location.id,
            StocktakeLocation.open_lock.is_not(None),
        )
        .exists()
    )
    stmt = (
        select(
            Location.id,
            Location.code,
            Location.name,
            Location.blocked,
            Warehouse.code.label("warehouse_code"),
            counting.label("counting"),
        )
        .join(Warehouse, Warehouse.id == Location.warehouse_id)
        .where(~has_child)
        .order_by(Warehouse.code, Location.path)
        .limit(limit)
    )
    return list(session.execute(stmt).all())
