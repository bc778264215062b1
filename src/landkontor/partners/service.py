"""Customers, customer groups and suppliers: master data and inheritance of terms.

A customer inherits from its group what it does not set itself: discount, payment terms,
price list and credit limit. Groups inherit the same way from their parent group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.errors import AlreadyExists, InvalidInput
from landkontor.partners.errors import CustomerBlocked, SupplierBlocked
from landkontor.partners.models import Customer, CustomerGroup, PriceList, Supplier
from landkontor.partners.rules import check_invoice_recipient, check_payment_terms
from landkontor.partners.schemas import (
    CustomerCreate,
    CustomerGroupCreate,
    CustomerGroupUpdate,
    CustomerUpdate,
    SupplierCreate,
    SupplierUpdate,
)

MAX_GROUP_DEPTH = 20
ZERO = Decimal(0)
# Fields a PATCH may not empty (the rest: None clears it, so it is inherited again).
_REQUIRED = frozenset(
    {"name", "street", "postal_code", "city", "country", "blocked", "invoice_format"}
)
# Text fields a null empties.
_EMPTIED = frozenset(
    {"blocked_reason", "billing_street", "billing_postal_code", "billing_city", "phone"}
)


def _apply(obj: Any, data: BaseModel) -> None:
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None and name in _REQUIRED:
            raise InvalidInput(f"{name} cannot be empty", field=name)
        if name in _EMPTIED and value is None:
            value = ""
        setattr(obj, name, value)
    problem = check_payment_terms(
        obj.payment_days, obj.cash_discount_percent, obj.cash_discount_days
    )
    if problem:
        raise InvalidInput(problem, field="cash_discount_days")
    if hasattr(obj, "invoice_format"):
        _check_recipient(obj)


def _check_recipient(partner: Customer | Supplier) -> None:
    problem = check_invoice_recipient(partner.invoice_format, partner.invoice_email)
    if problem:
        raise InvalidInput(problem, field="invoice_email")


def _check_price_list(session: Session, price_list_id: int | None) -> None:
    if price_list_id is not None:
        fetch(session, PriceList, price_list_id, kind="price list", field="price_list_id")


# --- customer groups ------------------------------------------------------------------
def get_group(session: Session, group_id: int, *, field: str | None = None) -> CustomerGroup:
    return fetch(session, CustomerGroup, group_id, kind="customer group", field=field)


def group_chain(session: Session, group_id: int | None) -> list[CustomerGroup]:
    """A group and its ancestors, nearest first."""
    chain: list[CustomerGroup] = []
    while group_id is not None and len(chain) < MAX_GROUP_DEPTH:
        group = get_group(session, group_id)
        chain.append(group)
        group_id = group.parent_id
    return chain


def list_groups(session: Session, params: PageParams) -> tuple[list[CustomerGroup], int]:
    return paginate(session, select(CustomerGroup).order_by(CustomerGroup.code), params)


def _check_parent(session: Session, group: CustomerGroup | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    ancestors = group_chain(session, get_group(session, parent_id, field="parent_id").id)
    if group is not None and any(a.id == group.id for a in ancestors):
        raise InvalidInput(
            f"group {group.code} cannot be below itself (parent {parent_id} is in its subtree)",
            field="parent_id",
        )
    if len(ancestors) >= MAX_GROUP_DEPTH:
        raise InvalidInput(f"groups nest at most {MAX_GROUP_DEPTH} deep", field="parent_id")


@use_case
def create_group(session: Session, data: CustomerGroupCreate) -> CustomerGroup:
    """Create a customer group. AlreadyExists for a taken code; InvalidInput for an unknown
    parent or price list."""
    if session.scalar(select(CustomerGroup.id).where(CustomerGroup.code == data.code)):
        raise AlreadyExists(f"customer group {data.code} already exists", field="code")
    _check_parent(session, None, data.parent_id)
    _check_price_list(session, data.price_list_id)
    group = CustomerGroup(**data.model_dump())
    session.add(group)
    session.flush()
    return group


@use_case
def update_group(session: Session, group_id: int, data: CustomerGroupUpdate) -> CustomerGroup:
    """Change a group. InvalidInput when the new parent would make a cycle."""
    group = get_group(session, group_id)
    if "parent_id" in data.model_fields_set:
        _check_parent(session, group, data.parent_id)
    if "price_list_id" in data.model_fields_set:
        _check_price_list(session, data.price_list_id)
    _apply(group, data)
    session.flush()
    return group


# --- customers ------------------------------------------------------------------------
def get_customer(
    session: Session, customer_id: int, *, field: str | None = None, lock: bool = False
) -> Customer:
    """The customer; NotFound, or InvalidInput naming ``field``; ``lock``: its row lock."""
    return fetch(session, Customer, customer_id, kind="customer", lock=lock, field=field)


def customer_by_number(session: Session, customer_no: str) -> Customer | None:
    """The customer with exactly this number, or None."""
    return session.scalar(select(Customer).where(Customer.customer_no == customer_no.strip()))


def ensure_not_blocked(customer: Customer) -> None:
    """CustomerBlocked (409) if the customer is blocked."""
    if customer.blocked:
        reason = f": {customer.blocked_reason}" if customer.blocked_reason else ""
        raise CustomerBlocked(
            f"customer {customer.customer_no} is blocked{reason}",
            customer_id=customer.id,
            reason=customer.blocked_reason or "blocked",
        )


# Columns a customer or supplier list may be sorted by (the web list's sort links name these).
CUSTOMER_SORTS = {"customer_no": Customer.customer_no, "name": Customer.name, "city": Customer.city}
SUPPLIER_SORTS = {"supplier_no": Supplier.supplier_no, "name": Supplier.name, "city": Supplier.city}


def _sorted(stmt: Select[Any], sorts: dict[str, Any], sort: str, descending: bool) -> Select[Any]:
    """Order by ``sort`` (a key of ``sorts``; InvalidInput otherwise), ties by number."""
    column = sorts.get(sort)
    if column is None:
        raise InvalidInput(f"cannot sort by {sort!r}", field="sort")
    first = next(iter(sorts.values()))
    return stmt.order_by(column.desc() if descending else column.asc(), first)


def customer_query(
    *,
    search: str | None = None,
    group_id: int | None = None,
    blocked: bool | None = None,
    sort: str = "customer_no",
    descending: bool = False,
) -> Select[Any]:
    stmt = _sorted(select(Customer), CUSTOMER_SORTS, sort, descending)
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(or_(Customer.customer_no.ilike(pattern), Customer.name.ilike(pattern)))
    if group_id is not None:
        stmt = stmt.where(Customer.group_id == group_id)
    if blocked is not None:
        stmt = stmt.where(Customer.blocked.is_(blocked))
    return stmt


def list_customers(
    session: Session, params: PageParams, **filters: Any
) -> tuple[list[Customer], int]:
    return paginate(session, customer_query(**filters), params)


@use_case
def create_customer(session: Session, data: CustomerCreate) -> Customer:
    """Create a customer. AlreadyExists for a taken number; InvalidInput for an unknown group
    or price list (the VAT id is checked by the schema)."""
    if session.scalar(select(Customer.id).where(Customer.customer_no == data.customer_no)):
        raise AlreadyExists(f"customer {data.customer_no} already exists", field="customer_no")
    if data.group_id is not None:
        get_group(session, data.group_id, field="group_id")
    _check_price_list(session, data.price_list_id)
    customer = Customer(**data.model_dump())
    _check_recipient(customer)
    session.add(customer)
    session.flush()
    return customer


@use_case
def update_customer(session: Session, customer_id: int, data: CustomerUpdate) -> Customer:
    """Change a customer (also block or unblock it)."""
    customer = get_customer(session, customer_id)
    if data.group_id is not None:
        get_group(session, data.group_id, field="group_id")
    if "price_list_id" in data.model_fields_set:
        _check_price_list(session, data.price_list_id)
    _apply(customer, data)
    session.flush()
    return customer


@dataclass(frozen=True)
class EffectiveTerms:
    discount_percent: Decimal
    discount_source: str
    credit_limit: Decimal | None
    credit_limit_source: str
    payment_days: int
    cash_discount_percent: Decimal | None
    cash_discount_days: int | None
    payment_terms_source: str
    price_list_ids: list[int] = field(default_factory=list)


def _first(holders: list[tuple[str, Any]], attribute: str) -> tuple[Any, str]:
    for source, holder in holders:
        value = getattr(holder, attribute)
        if value is not None:
            return value, source
    return None, "none"


def effective_terms(session: Session, customer: Customer) -> EffectiveTerms:
    """Discount, credit limit, payment terms and price lists after inheritance.

    Each value comes from the customer if set there, else from the nearest group up the
    chain that sets it; payment terms are inherited as a whole (days net and cash discount
    together) and default to the configured payment days.
    """
    holders: list[tuple[str, Any]] = [("customer", customer)] + [
        (f"group {g.code}", g) for g in group_chain(session, customer.group_id)
    ]
    discount, discount_source = _first(holders, "discount_percent")
    limit, limit_source = _first(holders, "credit_limit")
    days, terms_source = _first(holders, "payment_days")
    terms_holder = next((h for s, h in holders if s == terms_source), None)
    return EffectiveTerms(
        discount_percent=discount if discount is not None else ZERO,
        discount_source=discount_source,
        credit_limit=limit,
        credit_limit_source=limit_source if limit is not None else "none (no limit)",
        payment_days=days if days is not None else settings_of(session).default_payment_days,
        cash_discount_percent=terms_holder.cash_discount_percent if terms_holder else None,
        cash_discount_days=terms_holder.cash_discount_days if terms_holder else None,
        payment_terms_source=terms_source if days is not None else "default",
        price_list_ids=[h.price_list_id for _, h in holders if h.price_list_id is not None],
    )


# --- suppliers ------------------------------------------------------------------------
def get_supplier(
    session: Session, supplier_id: int, *, field: str | None = None, lock: bool = False
) -> Supplier:
    return fetch(session, Supplier, supplier_id, kind="supplier", lock=lock, field=field)


def ensure_supplier_not_blocked(supplier: Supplier) -> None:
    if supplier.blocked:
        reason = f": {supplier.blocked_reason}" if supplier.blocked_reason else ""
        raise SupplierBlocked(
            f"supplier {supplier.supplier_no} is blocked{reason}", supplier_id=supplier.id
        )


def supplier_by_number(session: Session, supplier_no: str) -> Supplier | None:
    return session.scalar(select(Supplier).where(Supplier.supplier_no == supplier_no))


def suppliers_by_id(session: Session, supplier_ids: Iterable[int]) -> dict[int, Supplier]:
    """The suppliers of these ids in one statement (for lists that name them)."""
    wanted = set(supplier_ids)
    if not wanted:
        return {}
    return {s.id: s for s in session.scalars(select(Supplier).where(Supplier.id.in_(wanted)))}


def groups_by_id(session: Session, group_ids: Iterable[int | None]) -> dict[int, CustomerGroup]:
    """The customer groups of these ids in one statement (for lists that name them)."""
    wanted = {g for g in group_ids if g is not None}
    if not wanted:
        return {}
    stmt = select(CustomerGroup).where(CustomerGroup.id.in_(wanted))
    return {g.id: g for g in session.scalars(stmt)}


def list_suppliers(
    session: Session,
    params: PageParams,
    *,
    search: str | None = None,
    sort: str = "supplier_no",
    descending: bool = False,
) -> tuple[list[Supplier], int]:
    stmt = _sorted(select(Supplier), SUPPLIER_SORTS, sort, descending)
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(or_(Supplier.supplier_no.ilike(pattern), Supplier.name.ilike(pattern)))
    return paginate(session, stmt, params)


@use_case
def create_supplier(session: Session, data: SupplierCreate) -> Supplier:
    """Create a supplier. AlreadyExists for a taken number."""
    if session.scalar(select(Supplier.id).where(Supplier.supplier_no == data.supplier_no)):
        raise AlreadyExists(f"supplier {data.supplier_no} already exists", field="supplier_no")
    supplier = Supplier(**data.model_dump())
    _check_recipient(supplier)
    session.add(supplier)
    session.flush()
    return supplier


@use_case
def update_supplier(session: Session, supplier_id: int, data: SupplierUpdate) -> Supplier:
    supplier = get_supplier(session, supplier_id)
    _apply(supplier, data)
    session.flush()
    return supplier


def customers_by_id(session: Session, customer_ids: list[int]) -> dict[int, Customer]:
    """The customers with these ids (one query), e.g. the contacts of a recall report."""
    if not customer_ids:
        return {}
    rows = session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
    return {customer.id: customer for customer in rows}
