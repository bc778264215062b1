"""Customers and suppliers from import files: created or updated by their number.

A row writes the fields its file has columns for (an empty cell is an empty value: a term
not set on the customer is inherited from its group again); fields without a column are left
as they are, so a file with only ``customer_no`` and ``credit_limit`` changes credit limits.
Every row goes through the same use cases as the API (create_customer, update_customer, …),
so it obeys the same rules.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.db.session import use_case
from landkontor.errors import DomainError, InvalidInput
from landkontor.partners.models import Customer, CustomerGroup, PriceList, Supplier
from landkontor.partners.schemas import (
    CustomerCreate,
    CustomerUpdate,
    PartnerCreate,
    PartnerImportRow,
    SupplierCreate,
    SupplierUpdate,
)
from landkontor.partners.service import (
    create_customer,
    create_supplier,
    update_customer,
    update_supplier,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_PARTNER_FIELDS = tuple(PartnerCreate.model_fields)  # customers and suppliers have them
_CUSTOMER_FIELDS = ("discount_percent", "credit_limit")
# Per kind: the number's field, the create and update models and use cases.
_KINDS: dict[str, tuple[str, type[BaseModel], type[BaseModel], Any, Any]] = {
    "customer": ("customer_no", CustomerCreate, CustomerUpdate, create_customer, update_customer),
    "supplier": ("supplier_no", SupplierCreate, SupplierUpdate, create_supplier, update_supplier),
}


class _Lookups:
    """Partners, groups and price lists named by one chunk, each in one query."""

    def __init__(self, session: Session, rows: list[PartnerImportRow]) -> None:
        customer_nos = {r.customer_no for r in rows if r.customer_no}
        supplier_nos = {r.supplier_no for r in rows if r.supplier_no}
        self.existing: dict[str, dict[str, Any]] = {
            "customer": {
                c.customer_no: c
                for c in session.scalars(
                    select(Customer).where(Customer.customer_no.in_(customer_nos))
                )
            },
            "supplier": {
                s.supplier_no: s
                for s in session.scalars(
                    select(Supplier).where(Supplier.supplier_no.in_(supplier_nos))
                )
            },
        }
        group_codes = {r.customer_group for r in rows if r.customer_group}
        self.groups = dict(
            session.execute(
                select(CustomerGroup.code, CustomerGroup.id).where(
                    CustomerGroup.code.in_(group_codes)
                )
            )
            .tuples()
            .all()
        )
        list_codes = {r.price_list for r in rows if r.price_list}
        self.price_lists = dict(
            session.execute(
                select(PriceList.code, PriceList.id).where(PriceList.code.in_(list_codes))
            )
            .tuples()
            .all()
        )

    def reference(
        self, codes: dict[str, int], code: str | None, kind: str, field: str
    ) -> int | None:
        if code is None:
            return None
        if code not in codes:
            raise InvalidInput(f"{kind} {code} does not exist", field=field)
        return codes[code]


def _values(row: PartnerImportRow, lookups: _Lookups) -> dict[str, Any]:
    """The partner's fields this row sets, groups and price lists as ids."""
    given = row.model_fields_set
    names = _PARTNER_FIELDS + (_CUSTOMER_FIELDS if row.customer_no else ())
    values = {name: getattr(row, name) for name in names if name in given}
    if row.customer_no and "customer_group" in given:
        values["group_id"] = lookups.reference(
            lookups.groups, row.customer_group, "customer group", "customer_group"
        )
    if row.customer_no and "price_list" in given:
        values["price_list_id"] = lookups.reference(
            lookups.price_lists, row.price_list, "price list", "price_list"
        )
    return values


def _upsert(session: Session, row: PartnerImportRow, lookups: _Lookups) -> str:
    kind = "customer" if row.customer_no else "supplier"
    number_field, create_model, update_model, create, update = _KINDS[kind]
    number = getattr(row, number_field)
    values = _values(row, lookups)
    partner = lookups.existing[kind].get(number)
    if partner is None:
        create(session, create_model.model_validate({**values, number_field: number}))
        return CREATED
    changes = {name: value for name, value in values.items() if getattr(partner, name) != value}
    if not changes:
        return UNCHANGED
    update(session, partner.id, update_model.model_validate(changes))
    return UPDATED


@use_case
def upsert_partners(session: Session, rows: list[PartnerImportRow]) -> list[str | DomainError]:
    """Create or update customers and suppliers by number, as one transaction (an import
    chunk).

    Returns one outcome per row, in order: "created", "updated", "unchanged", or the
    DomainError that refused the row (unknown customer group or price list, inconsistent
    payment terms with the stored ones, …); a refused row leaves no trace (savepoint), the
    others are applied. Running it twice with the same rows changes nothing the second time.
    """
    lookups = _Lookups(session, rows)
    outcomes: list[str | DomainError] = []
    for row in rows:
        try:
            with session.begin_nested():
                outcomes.append(_upsert(session, row, lookups))
        except DomainError as exc:
            outcomes.append(exc)
    return outcomes
