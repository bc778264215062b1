"""Routes: customers, customer groups, suppliers, price lists, VAT rates, price quotes.

Master data and prices need the manager role; everyone with a token may read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from landkontor.auth.deps import Manager
from landkontor.catalog.schemas import UnitRef
from landkontor.common import bounds
from landkontor.common.bounds import BusinessDate, Id, PositiveQuantity
from landkontor.common.deps import PageDep, SessionDep
from landkontor.common.pagination import Page, page_of
from landkontor.partners import pricing, service
from landkontor.partners.models import Customer, PriceList
from landkontor.partners.schemas import (
    CustomerCreate,
    CustomerGroupCreate,
    CustomerGroupOut,
    CustomerGroupUpdate,
    CustomerOut,
    CustomerUpdate,
    EffectiveTermsOut,
    PriceIn,
    PriceListCreate,
    PriceListOut,
    PriceListUpdate,
    PriceOut,
    QuoteOut,
    SupplierCreate,
    SupplierOut,
    SupplierUpdate,
    TaxRateIn,
    TaxRateOut,
)

groups_router = APIRouter(prefix="/customer-groups", tags=["partners"])
customers_router = APIRouter(prefix="/customers", tags=["partners"])
suppliers_router = APIRouter(prefix="/suppliers", tags=["partners"])
price_lists_router = APIRouter(prefix="/price-lists", tags=["pricing"])
prices_router = APIRouter(prefix="/prices", tags=["pricing"])
tax_rates_router = APIRouter(prefix="/tax-rates", tags=["pricing"])

Search = Annotated[bounds.Search | None, Query(description="Part of number or name")]


# --- customer groups --------------------------------------------------------------------
@groups_router.get("", response_model=Page[CustomerGroupOut], summary="Customer groups")
def list_groups(session: SessionDep, page: PageDep) -> Page[CustomerGroupOut]:
    rows, total = service.list_groups(session, page)
    return page_of([CustomerGroupOut.model_validate(g) for g in rows], total, page)


@groups_router.post("", response_model=CustomerGroupOut, status_code=201, summary="Create")
def create_group(body: CustomerGroupCreate, _: Manager, session: SessionDep) -> CustomerGroupOut:
    return CustomerGroupOut.model_validate(service.create_group(session, body))


@groups_router.get("/{group_id}", response_model=CustomerGroupOut, summary="One group")
def get_group(group_id: Id, session: SessionDep) -> CustomerGroupOut:
    return CustomerGroupOut.model_validate(service.get_group(session, group_id))


@groups_router.patch("/{group_id}", response_model=CustomerGroupOut, summary="Change")
def update_group(
    group_id: Id, body: CustomerGroupUpdate, _: Manager, session: SessionDep
) -> CustomerGroupOut:
    return CustomerGroupOut.model_validate(service.update_group(session, group_id, body))


# --- customers --------------------------------------------------------------------------
def _customer_out(session: Session, customer: Customer) -> CustomerOut:
    out = CustomerOut.model_validate(customer)
    terms = service.effective_terms(session, customer)
    out.effective = EffectiveTermsOut.model_validate(terms)
    return out


@customers_router.get("", response_model=Page[CustomerOut], summary="Customers")
def list_customers(
    session: SessionDep,
    page: PageDep,
    q: Search = None,
    group_id: Id | None = None,
    blocked: bool | None = None,
) -> Page[CustomerOut]:
    rows, total = service.list_customers(
        session, page, search=q, group_id=group_id, blocked=blocked
    )
    return page_of([CustomerOut.model_validate(c) for c in rows], total, page)


@customers_router.post("", response_model=CustomerOut, status_code=201, summary="Create")
def create_customer(body: CustomerCreate, _: Manager, session: SessionDep) -> CustomerOut:
    return _customer_out(session, service.create_customer(session, body))


@customers_router.get(
    "/{customer_id}", response_model=CustomerOut, summary="One customer, with inherited terms"
)
def get_customer(customer_id: Id, session: SessionDep) -> CustomerOut:
    return _customer_out(session, service.get_customer(session, customer_id))


@customers_router.patch("/{customer_id}", response_model=CustomerOut, summary="Change, block")
def update_customer(
    customer_id: Id, body: CustomerUpdate, _: Manager, session: SessionDep
) -> CustomerOut:
    return _customer_out(session, service.update_customer(session, customer_id, body))


# --- suppliers --------------------------------------------------------------------------
@suppliers_router.get("", response_model=Page[SupplierOut], summary="Suppliers")
def list_suppliers(session: SessionDep, page: PageDep, q: Search = None) -> Page[SupplierOut]:
    rows, total = service.list_suppliers(session, page, search=q)
    return page_of([SupplierOut.model_validate(s) for s in rows], total, page)


@suppliers_router.post("", response_model=SupplierOut, status_code=201, summary="Create")
def create_supplier(body: SupplierCreate, _: Manager, session: SessionDep) -> SupplierOut:
    return SupplierOut.model_validate(service.create_supplier(session, body))


@suppliers_router.get("/{supplier_id}", response_model=SupplierOut, summary="One supplier")
def get_supplier(supplier_id: Id, session: SessionDep) -> SupplierOut:
    return SupplierOut.model_validate(service.get_supplier(session, supplier_id))


@suppliers_router.patch("/{supplier_id}", response_model=SupplierOut, summary="Change, block")
def update_supplier(
    supplier_id: Id, body: SupplierUpdate, _: Manager, session: SessionDep
) -> SupplierOut:
    return SupplierOut.model_validate(service.update_supplier(session, supplier_id, body))


# --- price lists ------------------------------------------------------------------------
def _price_list_out(session: Session, price_list: PriceList) -> PriceListOut:
    out = PriceListOut.model_validate(price_list)
    out.prices = [PriceOut.model_validate(p) for p in pricing.prices_of(session, price_list.id)]
    return out


@price_lists_router.get("", response_model=Page[PriceListOut], summary="Price lists")
def list_price_lists(session: SessionDep, page: PageDep) -> Page[PriceListOut]:
    rows, total = pricing.list_price_lists(session, page)
    return page_of([PriceListOut.model_validate(p) for p in rows], total, page)


@price_lists_router.post("", response_model=PriceListOut, status_code=201, summary="Create")
def create_price_list(body: PriceListCreate, _: Manager, session: SessionDep) -> PriceListOut:
    return _price_list_out(session, pricing.create_price_list(session, body))


@price_lists_router.get("/{price_list_id}", response_model=PriceListOut, summary="With prices")
def get_price_list(price_list_id: Id, session: SessionDep) -> PriceListOut:
    return _price_list_out(session, pricing.get_price_list(session, price_list_id))


@price_lists_router.patch("/{price_list_id}", response_model=PriceListOut, summary="Change")
def update_price_list(
    price_list_id: Id, body: PriceListUpdate, _: Manager, session: SessionDep
) -> PriceListOut:
    return _price_list_out(session, pricing.update_price_list(session, price_list_id, body))


@price_lists_router.post(
    "/{price_list_id}/prices", response_model=PriceOut, status_code=201, summary="Add a price"
)
def add_price(price_list_id: Id, body: PriceIn, _: Manager, session: SessionDep) -> PriceOut:
    return PriceOut.model_validate(pricing.add_price(session, price_list_id, body))


@price_lists_router.delete(
    "/{price_list_id}/prices/{price_id}", status_code=204, summary="Remove a price"
)
def remove_price(price_list_id: Id, price_id: Id, _: Manager, session: SessionDep) -> Response:
    pricing.remove_price(session, price_list_id, price_id)
    return Response(status_code=204)


# --- quotes and VAT rates ---------------------------------------------------------------
@prices_router.get(
    "/quote", response_model=QuoteOut, summary="Resolve a customer's net price, step by step"
)
def quote(
    session: SessionDep,
    customer_id: Id,
    item_id: Id,
    quantity: PositiveQuantity,
    unit: UnitRef | None = None,
    on: Annotated[
        BusinessDate | None, Query(alias="date", description="Price date; default today")
    ] = None,
) -> QuoteOut:
    return pricing.quote(
        session, customer_id=customer_id, item_id=item_id, quantity=quantity, unit=unit, on=on
    )


@tax_rates_router.get("", response_model=list[TaxRateOut], summary="VAT rates by category")
def list_tax_rates(session: SessionDep) -> list[TaxRateOut]:
    return [TaxRateOut.model_validate(r) for r in pricing.list_tax_rates(session)]


@tax_rates_router.post("", response_model=TaxRateOut, status_code=201, summary="New VAT rate")
def add_tax_rate(body: TaxRateIn, _: Manager, session: SessionDep) -> TaxRateOut:
    return TaxRateOut.model_validate(pricing.add_tax_rate(session, body))
