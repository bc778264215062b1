"""Routes: sales orders, deliveries, invoices and credit notes, customers' credit status.

Orders and deliveries need a clerk; invoices and payments a clerk; credit notes and
cancelling a delivery (a stock correction) a manager.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from landkontor.auth.deps import Clerk, Manager
from landkontor.common.bounds import Id
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page, page_of
from landkontor.inventory.api import IdempotencyKey
from landkontor.inventory.schemas import ReverseIn
from landkontor.partners.service import get_customer
from landkontor.sales import credit, deliveries, invoicing, orders
from landkontor.sales.models import InvoiceKind, InvoiceStatus, SalesOrderStatus
from landkontor.sales.schemas import (
    CreditNoteCreate,
    CreditStatusOut,
    DeliveryCreate,
    DeliveryOut,
    InvoiceCreate,
    InvoiceOut,
    PaymentIn,
    SalesOrderCreate,
    SalesOrderLineIn,
    SalesOrderOut,
)

orders_router = APIRouter(prefix="/sales-orders", tags=["sales"])
deliveries_router = APIRouter(prefix="/deliveries", tags=["sales"])
invoices_router = APIRouter(prefix="/invoices", tags=["sales"])
credit_router = APIRouter(prefix="/customers", tags=["sales"])


# --- orders -----------------------------------------------------------------------------
@orders_router.get("", response_model=Page[SalesOrderOut], summary="Sales orders, newest first")
def list_orders(
    session: SessionDep,
    page: PageDep,
    customer_id: Id | None = None,
    status: SalesOrderStatus | None = None,
) -> Page[SalesOrderOut]:
    rows, total = orders.list_orders(session, page, customer_id=customer_id, status=status)
    return page_of([orders.order_out(session, o) for o in rows], total, page)


@orders_router.post("", response_model=SalesOrderOut, status_code=201, summary="Create a draft")
def create_order(body: SalesOrderCreate, user: Clerk, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.create_order(session, body, actor=user.username))


@orders_router.get("/{order_id}", response_model=SalesOrderOut, summary="One order")
def get_order(order_id: Id, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.get_order(session, order_id))


@orders_router.post(
    "/{order_id}/lines", response_model=SalesOrderOut, status_code=201, summary="Add a line"
)
def add_line(order_id: Id, body: SalesOrderLineIn, _: Clerk, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.add_line(session, order_id, body))


@orders_router.delete(
    "/{order_id}/lines/{line_id}", response_model=SalesOrderOut, summary="Remove a draft line"
)
def remove_line(order_id: Id, line_id: Id, _: Clerk, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.remove_line(session, order_id, line_id))


@orders_router.post(
    "/{order_id}/confirm",
    response_model=SalesOrderOut,
    summary="Confirm: blocked flag and credit limit checked, stock reserved",
)
def confirm_order(order_id: Id, user: Clerk, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.confirm_order(session, order_id, actor=user.username))


@orders_router.post("/{order_id}/cancel", response_model=SalesOrderOut, summary="Cancel")
def cancel_order(order_id: Id, _: Clerk, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.cancel_order(session, order_id))


@orders_router.post(
    "/{order_id}/close", response_model=SalesOrderOut, summary="Close (give up the rest)"
)
def close_order(order_id: Id, _: Clerk, session: SessionDep) -> SalesOrderOut:
    return orders.order_out(session, orders.close_order(session, order_id))


@orders_router.post(
    "/{order_id}/deliveries",
    response_model=DeliveryOut,
    status_code=201,
    summary="Deliver (FEFO unless batches are given); posts the stock issue",
)
def deliver(
    order_id: Id,
    user: Clerk,
    session: SessionDep,
    body: Annotated[DeliveryCreate | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> DeliveryOut:
    delivery = deliveries.deliver(
        session,
        order_id,
        body or DeliveryCreate(),
        actor=user.username,
        idempotency_key=idempotency_key,
    )
    return DeliveryOut.model_validate(delivery)


@orders_router.post(
    "/{order_id}/invoice",
    response_model=InvoiceOut,
    status_code=201,
    summary="Invoice the delivered goods not invoiced yet",
)
def invoice_order(
    order_id: Id,
    user: Clerk,
    session: SessionDep,
    body: Annotated[InvoiceCreate | None, Body()] = None,
) -> InvoiceOut:
    invoice = invoicing.invoice_order(
        session, order_id, body or InvoiceCreate(), actor=user.username
    )
    return InvoiceOut.model_validate(invoice)


# --- deliveries -------------------------------------------------------------------------
@deliveries_router.get("", response_model=Page[DeliveryOut], summary="Deliveries, newest first")
def list_deliveries(
    session: SessionDep,
    page: PageDep,
    sales_order_id: Id | None = None,
    customer_id: Id | None = None,
) -> Page[DeliveryOut]:
    rows, total = deliveries.list_deliveries(
        session, page, sales_order_id=sales_order_id, customer_id=customer_id
    )
    return page_of([DeliveryOut.model_validate(d) for d in rows], total, page)


@deliveries_router.get("/{delivery_id}", response_model=DeliveryOut, summary="One delivery")
def get_delivery(delivery_id: Id, session: SessionDep) -> DeliveryOut:
    return DeliveryOut.model_validate(deliveries.get_delivery(session, delivery_id))


@deliveries_router.post(
    "/{delivery_id}/cancel",
    response_model=DeliveryOut,
    summary="Take back an uninvoiced delivery (reverses the stock issue)",
)
def cancel_delivery(
    delivery_id: Id, body: ReverseIn, user: Manager, session: SessionDep
) -> DeliveryOut:
    delivery = deliveries.cancel_delivery(
        session, delivery_id, reason=body.reason, actor=user.username
    )
    return DeliveryOut.model_validate(delivery)


# --- invoices ---------------------------------------------------------------------------
@invoices_router.get("", response_model=Page[InvoiceOut], summary="Invoices and credit notes")
def list_invoices(
    session: SessionDep,
    page: PageDep,
    customer_id: Id | None = None,
    sales_order_id: Id | None = None,
    kind: InvoiceKind | None = None,
    status: InvoiceStatus | None = None,
) -> Page[InvoiceOut]:
    rows, total = invoicing.list_invoices(
        session,
        page,
        customer_id=customer_id,
        sales_order_id=sales_order_id,
        kind=kind,
        status=status,
    )
    return page_of([InvoiceOut.model_validate(i) for i in rows], total, page)


@invoices_router.get("/{invoice_id}", response_model=InvoiceOut, summary="One invoice")
def get_invoice(invoice_id: Id, session: SessionDep) -> InvoiceOut:
    return InvoiceOut.model_validate(invoicing.get_invoice(session, invoice_id))


@invoices_router.post(
    "/{invoice_id}/credit-notes",
    response_model=InvoiceOut,
    status_code=201,
    summary="Write a credit note (Gutschrift) on an invoice",
)
def credit_invoice(
    invoice_id: Id, body: CreditNoteCreate, user: Manager, session: SessionDep
) -> InvoiceOut:
    note = invoicing.credit_invoice(session, invoice_id, body, actor=user.username)
    return InvoiceOut.model_validate(note)


@invoices_router.post("/{invoice_id}/payment", response_model=InvoiceOut, summary="Mark paid")
def record_payment(
    invoice_id: Id,
    user: Clerk,
    session: SessionDep,
    body: Annotated[PaymentIn | None, Body()] = None,
) -> InvoiceOut:
    invoice = invoicing.record_payment(
        session, invoice_id, paid_on=(body or PaymentIn()).paid_on, actor=user.username
    )
    return InvoiceOut.model_validate(invoice)


@credit_router.get(
    "/{customer_id}/credit",
    response_model=CreditStatusOut,
    summary="Credit limit, open receivables and open orders",
)
def credit_status(customer_id: Id, session: SessionDep) -> CreditStatusOut:
    status = credit.credit_status(session, get_customer(session, customer_id))
    return CreditStatusOut(
        customer_id=status.customer_id,
        credit_limit=status.credit_limit,
        credit_limit_source=status.credit_limit_source,
        open_receivables=status.open_receivables,
        open_orders=status.open_orders,
        exposure=status.exposure,
        available=status.available,
    )
