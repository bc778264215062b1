"""Routes for units and items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from landkontor.auth.deps import Manager
from landkontor.catalog import service
from landkontor.catalog.schemas import (
    ItemCreate,
    ItemGroup,
    ItemOut,
    ItemUpdate,
    PackUnitIn,
    UnitCreate,
    UnitOut,
)
from landkontor.common.bounds import Id, Search
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page, page_of

units_router = APIRouter(prefix="/units", tags=["catalog"])
items_router = APIRouter(prefix="/items", tags=["catalog"])


@units_router.get("", response_model=list[UnitOut], summary="Units of measure")
def list_units(session: SessionDep) -> list[UnitOut]:
    return [UnitOut.model_validate(u) for u in service.list_units(session)]


@units_router.post("", response_model=UnitOut, status_code=201, summary="Create a unit")
def create_unit(body: UnitCreate, _: Manager, session: SessionDep) -> UnitOut:
    return UnitOut.model_validate(service.create_unit(session, body))


@items_router.get("", response_model=Page[ItemOut], summary="Items (search, group, active)")
async def list_items(
    session: SessionDep,
    page: PageDep,
    q: Annotated[Search | None, Query(description="Part of number or name")] = None,
    group: ItemGroup | None = None,
    active: bool | None = None,
) -> Page[ItemOut]:
    # async with the database work in the thread pool: one trip there, not two (FastAPI
    # checks the response of a plain def route in the pool as well).
    items, total = await run_in_threadpool(
        service.list_items, session, page, search=q, group=group, active=active
    )
    return page_of(items, total, page)


@items_router.post("", response_model=ItemOut, status_code=201, summary="Create an item")
def create_item(body: ItemCreate, _: Manager, session: SessionDep) -> ItemOut:
    return ItemOut.model_validate(service.create_item(session, body))


@items_router.get("/{item_id}", response_model=ItemOut, summary="One item")
async def get_item(item_id: Id, session: SessionDep) -> ItemOut:
    return await run_in_threadpool(service.item_view, session, item_id)


@items_router.patch("/{item_id}", response_model=ItemOut, summary="Change an item")
def update_item(item_id: Id, body: ItemUpdate, _: Manager, session: SessionDep) -> ItemOut:
    return ItemOut.model_validate(service.update_item(session, item_id, body))


@items_router.post(
    "/{item_id}/units", response_model=ItemOut, status_code=201, summary="Add a pack unit"
)
def add_pack_unit(item_id: Id, body: PackUnitIn, _: Manager, session: SessionDep) -> ItemOut:
    return ItemOut.model_validate(service.add_pack_unit(session, item_id, body))
