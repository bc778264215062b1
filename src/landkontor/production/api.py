"""Routes: recipes and production orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from landkontor.auth.deps import Clerk, Manager
from landkontor.common.bounds import Id
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page
from landkontor.inventory import genealogy
from landkontor.inventory.genealogy import Direction
from landkontor.inventory.schemas import RecallIn
from landkontor.production import boms, orders, trace
from landkontor.production.models import OrderStatus
from landkontor.production.schemas import (
    BomCreate,
    BomOut,
    BomUpdate,
    CancelIn,
    ConsumptionIn,
    OrderCreate,
    OrderOut,
    OutputIn,
    RecallReportOut,
    ReleaseIn,
    TraceOut,
)

boms_router = APIRouter(prefix="/boms", tags=["production"])
orders_router = APIRouter(prefix="/production-orders", tags=["production"])


@boms_router.get("", response_model=list[BomOut], summary="Recipes")
def list_boms(session: SessionDep, item_id: Id | None = None) -> list[BomOut]:
    return [BomOut.model_validate(b) for b in boms.list_boms(session, item_id)]


@boms_router.post("", response_model=BomOut, status_code=201, summary="Create a recipe version")
def create_bom(body: BomCreate, _: Manager, session: SessionDep) -> BomOut:
    return BomOut.model_validate(boms.create_bom(session, body))


@boms_router.get("/{bom_id}", response_model=BomOut, summary="One recipe")
def get_bom(bom_id: Id, session: SessionDep) -> BomOut:
    return BomOut.model_validate(boms.get_bom(session, bom_id))


@boms_router.patch("/{bom_id}", response_model=BomOut, summary="Default, active, validity, name")
def update_bom(bom_id: Id, body: BomUpdate, _: Manager, session: SessionDep) -> BomOut:
    return BomOut.model_validate(boms.update_bom(session, bom_id, body))


@orders_router.get("", response_model=Page[OrderOut], summary="Production orders")
def list_orders(
    session: SessionDep,
    page: PageDep,
    status: OrderStatus | None = None,
    item_id: Id | None = None,
) -> Page[OrderOut]:
    rows, total = orders.list_orders(session, page, status=status, item_id=item_id)
    return Page(
        items=[orders.order_out(o) for o in rows], total=total, limit=page.limit, offset=page.offset
    )


@orders_router.post("", response_model=OrderOut, status_code=201, summary="Plan an order")
def create_order(body: OrderCreate, user: Clerk, session: SessionDep) -> OrderOut:
    return orders.order_out(orders.create_order(session, body, actor=user.username))


@orders_router.get("/{order_id}", response_model=OrderOut, summary="Planned vs actual")
def get_order(order_id: Id, session: SessionDep) -> OrderOut:
    order = orders.get_order(session, order_id)
    missing = orders.shortages(session, order) if order.status in orders.OPEN else []
    return orders.order_out(order, missing)


@orders_router.post("/{order_id}/release", response_model=OrderOut, summary="Release")
def release_order(
    order_id: Id, user: Clerk, session: SessionDep, body: ReleaseIn | None = None
) -> OrderOut:
    strict = body.strict if body is not None else True
    order, missing = orders.release_order(session, order_id, strict=strict, actor=user.username)
    return orders.order_out(order, missing)


@orders_router.post("/{order_id}/consumptions", response_model=OrderOut, summary="Consume")
def consume(
    order_id: Id, user: Clerk, session: SessionDep, body: ConsumptionIn | None = None
) -> OrderOut:
    data = body or ConsumptionIn()
    return orders.order_out(orders.consume(session, order_id, data, actor=user.username))


@orders_router.post("/{order_id}/outputs", response_model=OrderOut, summary="Post output")
def post_output(order_id: Id, body: OutputIn, user: Clerk, session: SessionDep) -> OrderOut:
    return orders.order_out(orders.post_output(session, order_id, body, actor=user.username))


@orders_router.post("/{order_id}/complete", response_model=OrderOut, summary="Complete")
def complete_order(order_id: Id, user: Clerk, session: SessionDep) -> OrderOut:
    return orders.order_out(orders.complete_order(session, order_id, actor=user.username))


@orders_router.post("/{order_id}/cancel", response_model=OrderOut, summary="Cancel (reverses)")
def cancel_order(order_id: Id, body: CancelIn, user: Manager, session: SessionDep) -> OrderOut:
    order = orders.cancel_order(session, order_id, body.reason, actor=user.username)
    return orders.order_out(order)


# Tracing lives with production: it walks production genealogy into purchasing and sales.
trace_router = APIRouter(prefix="/batches", tags=["batches"])


@trace_router.get("/{batch_id}/trace", response_model=TraceOut, summary="Trace a batch")
def trace_batch(
    batch_id: Id,
    session: SessionDep,
    direction: Direction = Direction.backward,
    depth: Annotated[int | None, Query(ge=1, le=genealogy.MAX_DEPTH)] = None,
) -> TraceOut:
    return trace.trace(session, batch_id, direction, depth)


@trace_router.get(
    "/{batch_id}/recall-report", response_model=RecallReportOut, summary="What a recall concerns"
)
def recall_report(batch_id: Id, session: SessionDep) -> RecallReportOut:
    return trace.recall_report(session, batch_id)


@trace_router.post(
    "/{batch_id}/recall",
    response_model=RecallReportOut,
    summary="Recall a batch and everything made from it (idempotent)",
)
def recall_batch(
    batch_id: Id, body: RecallIn, user: Manager, session: SessionDep
) -> RecallReportOut:
    return trace.recall(session, batch_id, body.reason, actor=user.username)
