"""Routes: purchase orders and goods receipts. Clerks order and receive; reversing a
receipt (a stock correction) needs a manager."""

from __future__ import annotations

from fastapi import APIRouter

from landkontor.auth.deps import Clerk, Manager
from landkontor.common.bounds import Id
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page, page_of
from landkontor.inventory.schemas import ReverseIn
from landkontor.purchasing import orders, receipts
from landkontor.purchasing.models import PurchaseOrderStatus
from landkontor.purchasing.schemas import (
    GoodsReceiptCreate,
    GoodsReceiptOut,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    PurchaseOrderOut,
)

orders_router = APIRouter(prefix="/purchase-orders", tags=["purchasing"])
receipts_router = APIRouter(prefix="/goods-receipts", tags=["purchasing"])


@orders_router.get("", response_model=Page[PurchaseOrderOut], summary="Purchase orders")
def list_orders(
    session: SessionDep,
    page: PageDep,
    supplier_id: Id | None = None,
    status: PurchaseOrderStatus | None = None,
) -> Page[PurchaseOrderOut]:
    rows, total = orders.list_orders(session, page, supplier_id=supplier_id, status=status)
    return page_of([orders.order_out(o) for o in rows], total, page)


@orders_router.post("", response_model=PurchaseOrderOut, status_code=201, summary="Create")
def create_order(body: PurchaseOrderCreate, user: Clerk, session: SessionDep) -> PurchaseOrderOut:
    return orders.order_out(orders.create_order(session, body, actor=user.username))


@orders_router.get("/{order_id}", response_model=PurchaseOrderOut, summary="One order")
def get_order(order_id: Id, session: SessionDep) -> PurchaseOrderOut:
    return orders.order_out(orders.get_order(session, order_id))


@orders_router.post(
    "/{order_id}/lines", response_model=PurchaseOrderOut, status_code=201, summary="Add a line"
)
def add_line(
    order_id: Id, body: PurchaseOrderLineIn, _: Clerk, session: SessionDep
) -> PurchaseOrderOut:
    return orders.order_out(orders.add_line(session, order_id, body))


@orders_router.delete(
    "/{order_id}/lines/{line_id}", response_model=PurchaseOrderOut, summary="Remove a line"
)
def remove_line(order_id: Id, line_id: Id, _: Clerk, session: SessionDep) -> PurchaseOrderOut:
    return orders.order_out(orders.remove_line(session, order_id, line_id))


@orders_router.post("/{order_id}/order", response_model=PurchaseOrderOut, summary="Place")
def place_order(order_id: Id, _: Clerk, session: SessionDep) -> PurchaseOrderOut:
    return orders.order_out(orders.place_order(session, order_id))


@orders_router.post("/{order_id}/cancel", response_model=PurchaseOrderOut, summary="Cancel")
def cancel_order(order_id: Id, _: Clerk, session: SessionDep) -> PurchaseOrderOut:
    return orders.order_out(orders.cancel_order(session, order_id))


@orders_router.post("/{order_id}/close", response_model=PurchaseOrderOut, summary="Close")
def close_order(order_id: Id, _: Clerk, session: SessionDep) -> PurchaseOrderOut:
    return orders.order_out(orders.close_order(session, order_id))


@orders_router.post(
    "/{order_id}/receipts",
    response_model=GoodsReceiptOut,
    status_code=201,
    summary="Receive goods into stock at the order's prices",
)
def receive(
    order_id: Id, body: GoodsReceiptCreate, user: Clerk, session: SessionDep
) -> GoodsReceiptOut:
    receipt = receipts.receive(session, order_id, body, actor=user.username)
    return GoodsReceiptOut.model_validate(receipt)


@receipts_router.get("", response_model=Page[GoodsReceiptOut], summary="Goods receipts")
def list_receipts(
    session: SessionDep,
    page: PageDep,
    purchase_order_id: Id | None = None,
    supplier_id: Id | None = None,
) -> Page[GoodsReceiptOut]:
    rows, total = receipts.list_receipts(
        session, page, purchase_order_id=purchase_order_id, supplier_id=supplier_id
    )
    return page_of([GoodsReceiptOut.model_validate(r) for r in rows], total, page)


@receipts_router.get("/{receipt_id}", response_model=GoodsReceiptOut, summary="One receipt")
def get_receipt(receipt_id: Id, session: SessionDep) -> GoodsReceiptOut:
    return GoodsReceiptOut.model_validate(receipts.get_receipt(session, receipt_id))


@receipts_router.post(
    "/{receipt_id}/reverse",
    response_model=GoodsReceiptOut,
    summary="Reverse a receipt while its stock is still there",
)
def reverse_receipt(
    receipt_id: Id, body: ReverseIn, user: Manager, session: SessionDep
) -> GoodsReceiptOut:
    receipt = receipts.reverse_receipt(session, receipt_id, reason=body.reason, actor=user.username)
    return GoodsReceiptOut.model_validate(receipt)
