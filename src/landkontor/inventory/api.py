"""Routes: warehouses, storage locations, batches; stock movements, levels, ledger,
availability, valuation, picking; stocktaking."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from starlette.concurrency import run_in_threadpool

from landkontor.auth.deps import Clerk, Manager
from landkontor.catalog.schemas import UnitRef
from landkontor.catalog.service import get_item
from landkontor.common.bounds import Id, PositiveQuantity, Timestamp
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page
from landkontor.inventory import (
    batches,
    locations,
    mixing,
    posting,
    queries,
    reservations,
    stocktake,
)
from landkontor.inventory.models import BatchStatus, MovementType
from landkontor.inventory.schemas import (
    AvailabilityOut,
    BatchCreate,
    BatchNo,
    BatchOut,
    BatchStatusChangeOut,
    BatchStatusIn,
    BatchUpdate,
    CountsIn,
    LedgerLineOut,
    LocationCreate,
    LocationOut,
    LocationUpdate,
    MixIn,
    MixOut,
    MovementIn,
    MovementOut,
    PickProposalOut,
    Reference,
    ReverseIn,
    StockLevelOut,
    StocktakeCreate,
    StocktakeOut,
    ValuationOut,
    WarehouseCreate,
    WarehouseOut,
    WarehouseUpdate,
)

warehouses_router = APIRouter(prefix="/warehouses", tags=["warehouses"])
locations_router = APIRouter(prefix="/locations", tags=["warehouses"])
batches_router = APIRouter(prefix="/batches", tags=["batches"])
stock_router = APIRouter(prefix="/stock", tags=["stock"])
stocktakes_router = APIRouter(prefix="/stocktakes", tags=["stocktaking"])


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


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Same key twice: posted once, the same result returned.",
    ),
]


@stock_router.post("/movements", response_model=MovementOut, status_code=201, summary="Post stock")
def post_movement(
    body: MovementIn,
    user: Clerk,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MovementOut:
    movement, replayed = posting.post_request(
        session, body, actor=user.username, key=idempotency_key
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return MovementOut.model_validate(movement)


@stock_router.post(
    "/mixes", response_model=MixOut, status_code=201, summary="Mix or repack batches"
)
def mix_batches(body: MixIn, user: Clerk, session: SessionDep) -> MixOut:
    return MixOut.model_validate(mixing.mix(session, body, actor=user.username))


@stock_router.get("/movements/{movement_id}", response_model=MovementOut, summary="One movement")
def get_movement(movement_id: Id, session: SessionDep) -> MovementOut:
    return MovementOut.model_validate(posting.get_movement(session, movement_id))


@stock_router.post(
    "/movements/{movement_id}/reverse",
    response_model=MovementOut,
    status_code=201,
    summary="Post the exact opposite of a movement",
)
def reverse_movement(
    movement_id: Id, body: ReverseIn, user: Manager, session: SessionDep
) -> MovementOut:
    movement = posting.reverse_movement(
        session, movement_id, reason=body.reason, actor=user.username
    )
    return MovementOut.model_validate(movement)


@stock_router.get("/levels", response_model=Page[StockLevelOut], summary="Stock levels")
async def stock_levels(
    session: SessionDep,
    page: PageDep,
    item_id: Id | None = None,
    location_id: Annotated[Id | None, Query(description="Includes its sub-locations")] = None,
    batch_id: Id | None = None,
    warehouse_id: Id | None = None,
    include_zero: bool = False,
) -> Page[StockLevelOut]:
    # async with the database work in the thread pool: one trip there, not two.
    rows, total = await run_in_threadpool(
        queries.levels,
        session,
        page,
        item_id=item_id,
        location_id=location_id,
        batch_id=batch_id,
        warehouse_id=warehouse_id,
        include_zero=include_zero,
    )
    return Page(items=rows, total=total, limit=page.limit, offset=page.offset)


@stock_router.get(
    "/ledger", response_model=Page[LedgerLineOut], summary="Ledger lines, newest first"
)
def stock_ledger(
    session: SessionDep,
    page: PageDep,
    item_id: Id | None = None,
    location_id: Annotated[Id | None, Query(description="Includes its sub-locations")] = None,
    warehouse_id: Id | None = None,
    batch_id: Id | None = None,
    movement_id: Id | None = None,
    movement_type: MovementType | None = None,
    reference: Reference | None = None,
    posted_from: Timestamp | None = None,
    posted_to: Timestamp | None = None,
) -> Page[LedgerLineOut]:
    rows, total = queries.ledger(
        session,
        page,
        item_id=item_id,
        location_id=location_id,
        warehouse_id=warehouse_id,
        batch_id=batch_id,
        movement_id=movement_id,
        movement_type=movement_type,
        reference=reference,
        posted_from=posted_from,
        posted_to=posted_to,
    )
    items = [LedgerLineOut.from_row(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@stock_router.get(
    "/availability/{item_id}", response_model=AvailabilityOut, summary="On hand, reserved, free"
)
def availability(
    item_id: Id, session: SessionDep, warehouse_id: Id | None = None
) -> AvailabilityOut:
    item = get_item(session, item_id)
    stock = reservations.availability(session, item_id, warehouse_id)
    return AvailabilityOut(
        item_id=item_id,
        warehouse_id=warehouse_id,
        unit=item.base_unit.code,
        on_hand=stock.on_hand,
        unusable=stock.unusable,
        reserved=stock.reserved,
        available=stock.available,
    )


@stock_router.get("/valuation", response_model=ValuationOut, summary="Stock value (moving average)")
def valuation(
    session: SessionDep,
    as_of: Annotated[Timestamp | None, Query(description="Default: now")] = None,
    by_warehouse: bool = False,
    item_id: Id | None = None,
    warehouse_id: Id | None = None,
) -> ValuationOut:
    return queries.valuation(
        session, as_of=as_of, by_warehouse=by_warehouse, item_id=item_id, warehouse_id=warehouse_id
    )


@stock_router.get("/pick-proposal", response_model=PickProposalOut, summary="FEFO picking proposal")
def pick_proposal(
    session: SessionDep,
    item_id: Id,
    quantity: PositiveQuantity,
    unit: UnitRef | None = None,
    warehouse_id: Id | None = None,
) -> PickProposalOut:
    return queries.pick_proposal(session, item_id, quantity, unit=unit, warehouse_id=warehouse_id)


@stocktakes_router.post("", response_model=StocktakeOut, status_code=201, summary="Open a count")
def open_stocktake(body: StocktakeCreate, user: Clerk, session: SessionDep) -> StocktakeOut:
    return stocktake.stocktake_out(stocktake.open_stocktake(session, body, actor=user.username))


@stocktakes_router.get("/{stocktake_id}", response_model=StocktakeOut, summary="One stocktake")
def get_stocktake(stocktake_id: Id, session: SessionDep) -> StocktakeOut:
    return stocktake.stocktake_out(stocktake.get_stocktake(session, stocktake_id))


@stocktakes_router.post(
    "/{stocktake_id}/counts", response_model=StocktakeOut, summary="Enter counted quantities"
)
def record_counts(
    stocktake_id: Id, body: CountsIn, user: Clerk, session: SessionDep
) -> StocktakeOut:
    result = stocktake.record_counts(session, stocktake_id, body, actor=user.username)
    return stocktake.stocktake_out(result)


@stocktakes_router.post(
    "/{stocktake_id}/post", response_model=StocktakeOut, summary="Post the differences"
)
def post_stocktake(stocktake_id: Id, user: Manager, session: SessionDep) -> StocktakeOut:
    result = stocktake.post_stocktake(session, stocktake_id, actor=user.username)
    return stocktake.stocktake_out(result)


@stocktakes_router.post("/{stocktake_id}/cancel", response_model=StocktakeOut, summary="Cancel")
def cancel_stocktake(stocktake_id: Id, _: Manager, session: SessionDep) -> StocktakeOut:
    return stocktake.stocktake_out(stocktake.cancel_stocktake(session, stocktake_id))
