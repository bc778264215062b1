"""Warehouses and storage locations (LagerOrt): a tree per warehouse."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import use_case
from landkontor.errors import AlreadyExists, InvalidInput, InvalidState
from landkontor.inventory.models import Location, StockLevel, Warehouse
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
) -> tuple[list[Location], int]:
    """Locations, optionally of one warehouse, children of one parent, or a whole subtree."""
    stmt = select(Location).order_by(Location.warehouse_id, Location.path)
    if warehouse_id is not None:
        stmt = stmt.where(Location.warehouse_id == warehouse_id)
    if parent_id is not None:
        stmt = stmt.where(Location.parent_id == parent_id)
    if within is not None:
        root = get_location(session, within, field="within")
        stmt = stmt.where(Location.path.startswith(root.path))
    return paginate(session, stmt, params)


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
