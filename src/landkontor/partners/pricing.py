"""Price lists, VAT rates and price resolution (the quote).

Precedence: the customer's own price list, then the price lists of its group and the
group's ancestors (nearest first), then the item's base price. A list counts only when it
is active and valid on the day and has a price for the item whose quantity break fits.
The discount comes after: the customer's own, else the nearest group's; else none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item, VatCategory
from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.catalog.units import exact_quantity
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.errors import AlreadyExists, Conflict, InvalidInput, not_found
from landkontor.partners.errors import NoPrice, PriceOverlap
from landkontor.partners.models import Customer, PriceList, PriceListEntry, TaxRate
from landkontor.partners.rules import (
    best_break,
    discounted,
    line_amount,
    periods_overlap,
    valid_on,
)
from landkontor.partners.schemas import (
    PriceIn,
    PriceListCreate,
    PriceListUpdate,
    PriceStepOut,
    QuoteOut,
    TaxRateIn,
)
from landkontor.partners.service import effective_terms, get_customer, group_chain

# What a fresh installation knows (the migration seeds the same): category, from, percent.
STANDARD_TAX_RATES = [
    (VatCategory.standard, date(2007, 1, 1), Decimal(19)),
    (VatCategory.standard, date(2020, 7, 1), Decimal(16)),
    (VatCategory.standard, date(2021, 1, 1), Decimal(19)),
    (VatCategory.reduced, date(2007, 1, 1), Decimal(7)),
    (VatCategory.reduced, date(2020, 7, 1), Decimal(5)),
    (VatCategory.reduced, date(2021, 1, 1), Decimal(7)),
    (VatCategory.zero, date(2007, 1, 1), Decimal(0)),
]


# --- price lists ------------------------------------------------------------------------
def get_price_list(session: Session, price_list_id: int) -> PriceList:
    return fetch(session, PriceList, price_list_id, kind="price list")


def prices_of(session: Session, price_list_id: int) -> list[PriceListEntry]:
    return list(
        session.scalars(
            select(PriceListEntry)
            .where(PriceListEntry.price_list_id == price_list_id)
            .order_by(PriceListEntry.item_id, PriceListEntry.min_quantity, PriceListEntry.id)
        )
    )


def list_price_lists(session: Session, params: PageParams) -> tuple[list[PriceList], int]:
    return paginate(session, select(PriceList).order_by(PriceList.code), params)


def _check_period(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInput("valid_to is before valid_from", field="valid_to")


def _add_price(
    session: Session, price_list: PriceList, data: PriceIn, existing: list[Any], index: int | None
) -> PriceListEntry:
    where = f"prices[{index}]." if index is not None else ""
    get_item(session, data.item_id, field=f"{where}item_id")
    min_quantity = exact_quantity(data.min_quantity, field=f"{where}min_quantity")
    for other in existing:
        if (
            other.item_id == data.item_id
            and other.min_quantity == min_quantity
            and periods_overlap(other.valid_from, other.valid_to, data.valid_from, data.valid_to)
        ):
            raise PriceOverlap(
                f"price list {price_list.code} already has a price for item {data.item_id} "
                f"from {min_quantity.normalize():f} in an overlapping period",
                field=f"{where}min_quantity",
            )
    entry = PriceListEntry(
        price_list_id=price_list.id,
        item_id=data.item_id,
        min_quantity=min_quantity,
        unit_price=data.unit_price,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
    )
    session.add(entry)
    existing.append(entry)
    return entry


@use_case
def create_price_list(session: Session, data: PriceListCreate) -> PriceList:
    """Create a price list with its prices. AlreadyExists for a taken code; PriceOverlap
    when two prices of an item with the same quantity break overlap in time."""
    if session.scalar(select(PriceList.id).where(PriceList.code == data.code)):
        raise AlreadyExists(f"price list {data.code} already exists", field="code")
    _check_period(data.valid_from, data.valid_to)
    price_list = PriceList(**data.model_dump(exclude={"prices"}))
    session.add(price_list)
    session.flush()
    added: list[Any] = []
    for index, price in enumerate(data.prices):
        _add_price(session, price_list, price, added, index)
    session.flush()
    return price_list


@use_case
def update_price_list(session: Session, price_list_id: int, data: PriceListUpdate) -> PriceList:
    price_list = get_price_list(session, price_list_id)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None and name in ("name", "active"):
            raise InvalidInput(f"{name} cannot be empty", field=name)
        setattr(price_list, name, value)
    _check_period(price_list.valid_from, price_list.valid_to)
    session.flush()
    return price_list


@use_case
def add_price(session: Session, price_list_id: int, data: PriceIn) -> PriceListEntry:
    """Add one price (or quantity break) to a list. PriceOverlap as for create."""
    price_list = get_price_list(session, price_list_id)
    entry = _add_price(session, price_list, data, prices_of(session, price_list_id), None)
    session.flush()
    return entry


@use_case
def remove_price(session: Session, price_list_id: int, price_id: int) -> None:
    entry = fetch(session, PriceListEntry, price_id, kind="price")
    if entry.price_list_id != price_list_id:
        raise not_found("price", price_id)
    session.delete(entry)
    session.flush()


# --- VAT rates --------------------------------------------------------------------------
def list_tax_rates(session: Session) -> list[TaxRate]:
    return list(session.scalars(select(TaxRate).order_by(TaxRate.category, TaxRate.valid_from)))


@use_case
def add_tax_rate(session: Session, data: TaxRateIn) -> TaxRate:
    """A new percentage for a VAT category from a date on (a change of the law)."""
    taken = session.scalar(
        select(TaxRate.id).where(
            TaxRate.category == data.category, TaxRate.valid_from == data.valid_from
        )
    )
    if taken:
        raise AlreadyExists(
            f"{data.category} already has a rate from {data.valid_from}", field="valid_from"
        )
    rate = TaxRate(category=data.category, valid_from=data.valid_from, percent=data.percent)
    session.add(rate)
    session.flush()
    return rate


def vat_percent(session: Session, category: VatCategory, on: date) -> Decimal:
    """The VAT percentage of ``category`` on a day (the latest rate that started by then)."""
    percent = session.scalar(
        select(TaxRate.percent)
        .where(TaxRate.category == category, TaxRate.valid_from <= on)
        .order_by(TaxRate.valid_from.desc())
        .limit(1)
    )
    if percent is None:
        raise Conflict(f"no VAT rate for {category.value} on {on}; add one under /tax-rates")
    return percent


# --- price resolution ---------------------------------------------------------------------
@dataclass
class Quote:
    """A resolved net price per base unit and every step that produced it."""

    customer_id: int
    item: Item
    date: date
    base_quantity: Decimal
    list_price: Decimal
    price_source: str
    price_list_id: int | None
    min_quantity: Decimal | None
    discount_percent: Decimal
    discount_source: str
    net_unit_price: Decimal
    vat_percent: Decimal
    steps: list[PriceStepOut] = field(default_factory=list)

    @property
    def net_amount(self) -> Decimal:
        return line_amount(self.base_quantity, self.net_unit_price)


def _price_lists_to_try(session: Session, customer: Customer) -> list[tuple[str, Any, int]]:
    """(source, holder id, price list id) in precedence order."""
    candidates: list[tuple[str, Any, int]] = []
    if customer.price_list_id is not None:
        candidates.append(("customer_price_list", None, customer.price_list_id))
    for group in group_chain(session, customer.group_id):
        if group.price_list_id is not None:
            candidates.append(("group_price_list", group.id, group.price_list_id))
    return candidates


def _entries(session: Session, price_list_id: int, item_id: int) -> list[PriceListEntry]:
    return list(
        session.scalars(
            select(PriceListEntry).where(
                PriceListEntry.price_list_id == price_list_id, PriceListEntry.item_id == item_id
            )
        )
    )


def resolve_price(
    session: Session,
    customer: Customer,
    item: Item,
    base_quantity: Decimal,
    on: date,
    *,
    field: str = "item_id",
) -> Quote:
    """Resolve the net unit price of ``base_quantity`` of ``item`` for ``customer`` on ``on``.

    Raises NoPrice (409) when no list has a fitting price and the item has no base price.
    """
    steps: list[PriceStepOut] = []
    found: tuple[str, PriceList | None, PriceListEntry | None] | None = None
    for source, group_id, price_list_id in _price_lists_to_try(session, customer):
        price_list = fetch(session, PriceList, price_list_id, kind="price list")
        step = PriceStepOut(
            kind="price",
            source=source,
            applied=False,
            detail="",
            price_list_id=price_list.id,
            price_list_code=price_list.code,
            customer_group_id=group_id,
        )
        steps.append(step)
        if not price_list.active or not valid_on(price_list.valid_from, price_list.valid_to, on):
            step.detail = f"price list {price_list.code} is not active or not valid on {on}"
            step.reason = "not_valid"
            continue
        entry = best_break(_entries(session, price_list.id, item.id), base_quantity, on)
        if entry is None:
            step.detail = (
                f"price list {price_list.code} has no price for {item.item_no} at "
                f"{base_quantity.normalize():f} {item.base_unit.code} on {on}"
            )
            step.reason = "no_price"
            continue
        step.applied = True
        step.min_quantity, step.unit_price = entry.min_quantity, entry.unit_price
        step.detail = (
            f"price list {price_list.code}: {entry.unit_price.normalize():f} EUR per "
            f"{item.base_unit.code} from {entry.min_quantity.normalize():f} {item.base_unit.code}"
        )
        found = (source, price_list, entry)
        break
    if found is None:
        if item.base_price is None:
            steps.append(
                PriceStepOut(
                    kind="price",
                    source="base_price",
                    applied=False,
                    detail=f"item {item.item_no} has no base price",
                )
            )
            raise NoPrice(
                f"no price for item {item.item_no} and customer {customer.customer_no}: no price "
                "list has one and the item has no base price",
                field=field,
                steps=[s.model_dump(mode="json") for s in steps],
            )
        steps.append(
            PriceStepOut(
                kind="price",
                source="base_price",
                applied=True,
                unit_price=item.base_price,
                detail=f"base price of item {item.item_no}",
            )
        )
        found = ("base_price", None, None)
    source, applied_list, entry = found
    list_price = entry.unit_price if entry is not None else item.base_price
    assert list_price is not None
    terms = effective_terms(session, customer)
    steps.append(
        PriceStepOut(
            kind="discount",
            source=terms.discount_source,
            applied=terms.discount_percent > 0,
            discount_percent=terms.discount_percent,
            detail=(
                f"{terms.discount_percent.normalize():f} % discount from {terms.discount_source}"
                if terms.discount_percent > 0
                else "no discount"
            ),
        )
    )
    return Quote(
        customer_id=customer.id,
        item=item,
        date=on,
        base_quantity=base_quantity,
        list_price=list_price,
        price_source=source,
        price_list_id=applied_list.id if applied_list else None,
        min_quantity=entry.min_quantity if entry else None,
        discount_percent=terms.discount_percent,
        discount_source=terms.discount_source,
        net_unit_price=discounted(list_price, terms.discount_percent),
        vat_percent=vat_percent(session, item.vat_category, on),
        steps=steps,
    )


def quote(
    session: Session,
    *,
    customer_id: int,
    item_id: int,
    quantity: Decimal,
    unit: str | None = None,
    on: date | None = None,
) -> QuoteOut:
    """The price quote of the API: resolve and explain (read-only)."""
    customer = get_customer(session, customer_id, field="customer_id")
    item = get_item(session, item_id, field="item_id")
    converted = to_base_quantity(session, item, quantity, unit)
    result = resolve_price(
        session, customer, item, converted.quantity, on or business_today(settings_of(session))
    )
    return QuoteOut(
        customer_id=customer.id,
        item_id=item.id,
        date=result.date,
        quantity=quantity,
        unit=converted.unit,
        base_quantity=result.base_quantity,
        base_unit=item.base_unit.code,
        list_price=result.list_price,
        price_source=result.price_source,
        price_list_id=result.price_list_id,
        min_quantity=result.min_quantity,
        discount_percent=result.discount_percent,
        discount_source=result.discount_source,
        net_unit_price=result.net_unit_price,
        net_amount=result.net_amount,
        vat_category=item.vat_category,
        vat_percent=result.vat_percent,
        steps=result.steps,
    )
