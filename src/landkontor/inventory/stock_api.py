"""Routes: stock movements, levels, ledger, availability, valuation, picking, stocktaking."""

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
from landkontor.inventory import mixing, posting, queries, reservations, stocktake
from landkontor.inventory.models import MovementType
from landkontor.inventory.requests import post_request
from landkontor.inventory.schemas import (
    AvailabilityOut,
    CountsIn,
    LedgerLineOut,
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
)

router = APIRouter(prefix="/stock", tags=["stock"])
stocktakes_router = APIRouter(prefix="/stocktakes", tags=["stocktaking"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Same key twice: posted once, the same result returned.",
    ),
]


@router.post("/movements", response_model=MovementOut, status_code=201, summary="Post stock")
def post_movement(
    body: MovementIn,
    user: Clerk,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MovementOut:
    movement, replayed = post_request(session, body, actor=user.username, key=idempotency_key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return MovementOut.model_validate(movement)


@router.post("/mixes", response_model=MixOut, status_code=201, summary="Mix or repack batches")
def mix_batches(body: MixIn, user: Clerk, session: SessionDep) -> MixOut:
    return MixOut.model_validate(mixing.mix(session, body, actor=user.username))


@router.get("/movements/{movement_id}", response_model=MovementOut, summary="One movement")
def get_movement(movement_id: Id, session: SessionDep) -> MovementOut:
    return MovementOut.model_validate(posting.get_movement(session, movement_id))


@router.post(
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


@router.get("/levels", response_model=Page[StockLevelOut], summary="Stock levels")
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


@router.get("/ledger", response_model=Page[LedgerLineOut], summary="Ledger lines, newest first")
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


@router.get(
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


@router.get("/valuation", response_model=ValuationOut, summary="Stock value (moving average)")
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


@router.get("/pick-proposal", response_model=PickProposalOut, summary="FEFO picking proposal")
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
