"""Routes: warehouses, storage locations, batches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from landkontor.auth.deps import Clerk, Manager
from landkontor.common.bounds import Id
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page
from landkontor.inventory import batches, locations
from landkontor.inventory.models import BatchStatus
from landkontor.inventory.schemas import (
    BatchCreate,
    BatchNo,
    BatchOut,
    BatchStatusChangeOut,
    BatchStatusIn,
    BatchUpdate,
    LocationCreate,
    LocationOut,
    LocationUpdate,
    WarehouseCreate,
    WarehouseOut,
    WarehouseUpdate,
)

warehouses_router = APIRouter(prefix="/warehouses", tags=["warehouses"])
locations_router = APIRouter(prefix="/locations", tags=["warehouses"])
batches_router = APIRouter(prefix="/batches", tags=["batches"])


@warehouses_router.get("", response_model=list[WarehouseOut], summary="Warehouses")
def list_warehouses(session: SessionDep) -> list[WarehouseOut]:
    return [WarehouseOut.model_validate(w) for w in locations.list_warehouses(session)]


@warehouses_router.post("", response_model=WarehouseOut, status_code=201, summary="Create")
def create_warehouse(body: WarehouseCreate, _: Manager, session: SessionDep) -> WarehouseOut:
    return WarehouseOut.model_validate(locations.create_warehouse(session, body))


@warehouses_router.get("/{warehouse_id}", response_model=WarehouseOut, summary="One warehouse")
def get_warehouse(warehouse_id: Id, session: SessionDep) -> WarehouseOut:
    return WarehouseOut.model_validate(locations.get_warehouse(session, warehouse_id))


@warehouses_router.patch("/{warehouse_id}", response_model=WarehouseOut, summary="Change")
def update_warehouse(
    warehouse_id: Id, body: WarehouseUpdate, _: Manager, session: SessionDep
) -> WarehouseOut:
    return WarehouseOut.model_validate(locations.update_warehouse(session, warehouse_id, body))


@locations_router.get("", response_model=Page[LocationOut], summary="Storage locations")
def list_locations(
    session: SessionDep,
    page: PageDep,
    warehouse_id: Id | None = None,
    parent_id: Id | None = None,
    within: Annotated[Id | None, Query(description="A location: its whole subtree")] = None,
) -> Page[LocationOut]:
    rows, total = locations.list_locations(
        session, page, warehouse_id=warehouse_id, parent_id=parent_id, within=within
    )
    return Page(
        items=[LocationOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@locations_router.post("", response_model=LocationOut, status_code=201, summary="Create")
def create_location(body: LocationCreate, _: Manager, session: SessionDep) -> LocationOut:
    return LocationOut.model_validate(locations.create_location(session, body))


@locations_router.get("/{location_id}", response_model=LocationOut, summary="One location")
def get_location(location_id: Id, session: SessionDep) -> LocationOut:
    return LocationOut.model_validate(locations.get_location(session, location_id))


@locations_router.patch("/{location_id}", response_model=LocationOut, summary="Change")
def update_location(
    location_id: Id, body: LocationUpdate, _: Manager, session: SessionDep
) -> LocationOut:
    return LocationOut.model_validate(locations.update_location(session, location_id, body))


@batches_router.get("", response_model=Page[BatchOut], summary="Batches")
def list_batches(
    session: SessionDep,
    page: PageDep,
    item_id: Id | None = None,
    status: BatchStatus | None = None,
    batch_no: BatchNo | None = None,
    expired: bool | None = None,
) -> Page[BatchOut]:
    rows, total = batches.list_batches(
        session, page, item_id=item_id, status=status, batch_no=batch_no, expired=expired
    )
    return Page(
        items=[batches.batch_out(session, b) for b in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@batches_router.post("", response_model=BatchOut, status_code=201, summary="Register a batch")
def create_batch(body: BatchCreate, _: Clerk, session: SessionDep) -> BatchOut:
    return batches.batch_out(session, batches.create_batch(session, body))


@batches_router.get("/{batch_id}", response_model=BatchOut, summary="One batch")
async def get_batch(batch_id: Id, session: SessionDep) -> BatchOut:
    # async with the database work in the thread pool: one trip there, not two.
    return await run_in_threadpool(batches.batch_view, session, batch_id)


@batches_router.patch("/{batch_id}", response_model=BatchOut, summary="Change best-before etc.")
def update_batch(batch_id: Id, body: BatchUpdate, _: Clerk, session: SessionDep) -> BatchOut:
    return batches.batch_out(session, batches.update_batch(session, batch_id, body))


@batches_router.post(
    "/{batch_id}/status", response_model=BatchOut, summary="Release, block or recall a batch"
)
def change_batch_status(
    batch_id: Id, body: BatchStatusIn, user: Manager, session: SessionDep
) -> BatchOut:
    batch = batches.change_status(session, batch_id, body.status, body.reason, actor=user.username)
    return batches.batch_out(session, batch)


@batches_router.get(
    "/{batch_id}/status-history",
    response_model=list[BatchStatusChangeOut],
    summary="Who changed the status, when and why",
)
def batch_status_history(batch_id: Id, session: SessionDep) -> list[BatchStatusChangeOut]:
    return [
        BatchStatusChangeOut.model_validate(c) for c in batches.status_history(session, batch_id)
    ]
