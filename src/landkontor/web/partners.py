"""Kunden and Lieferanten: lists (active search, filters, paging, sorting), a partner with its
addresses, VAT id, payment terms and blocked flag — a customer also with its credit limit and
current exposure (``sales.credit.credit_status``, the one home of that sum) — and create and
edit. Roles as the API: everyone reads, managers change master data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.errors import DomainError
from landkontor.partners import pricing
from landkontor.partners import service as partners
from landkontor.partners.models import InvoiceFormat, Supplier
from landkontor.partners.schemas import (
    CustomerCreate,
    CustomerUpdate,
    SupplierCreate,
    SupplierUpdate,
)
from landkontor.purchasing import orders as purchase_orders
from landkontor.sales.credit import credit_status
from landkontor.web.formatting import number
from landkontor.web.forms import FormState, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.pages import (
    WebRoute,
    WebUser,
    is_htmx,
    post_checks,
    redirect,
    render,
    require_role,
)

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

PARTNER_WRITER = Role.manager  # as the API's partner routes
CHOICES = PageParams(limit=500)  # groups and price lists offered in a form's select
INVOICE_FORMATS = [
    (InvoiceFormat.pdf.value, "PDF"),
    (InvoiceFormat.zugferd.value, "ZUGFeRD (PDF mit XML)"),
    (InvoiceFormat.xrechnung.value, "XRechnung (XML per E-Mail)"),
]
NONE = "(keine)"
# The fields the forms show (the models' other fields keep their defaults).
COMMON_FIELDS = (
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "payment_days",
    "cash_discount_percent",
    "cash_discount_days",
    "invoice_email",
    "invoice_format",
    "blocked",
    "blocked_reason",
)
CUSTOMER_FIELDS = (
    *COMMON_FIELDS,
    "group_id",
    "price_list_id",
    "discount_percent",
    "credit_limit",
)
# An emptied address line is stored as empty text (None would mean "cannot be empty").
_EMPTY_TEXT = ("street", "postal_code", "city", "blocked_reason")
# Pydantic's general message is not much help for these fields.
_FIELD_MESSAGES = {
    "vat_id": "Keine gültige USt-IdNr. (z. B. DE123456789).",
    "invoice_email": "Bitte eine gültige E-Mail-Adresse eingeben.",
    "country": "Zwei Großbuchstaben, z. B. DE.",
}
TERMS_MESSAGE = (
    "Skonto braucht Prozent und Tage, ein Zahlungsziel, und höchstens so viele Tage wie dieses."
)


def parse_partner(
    model: type[BaseModel], submitted: Any, fields: tuple[str, ...], *, edit: bool
) -> tuple[Any, FormState]:
    """The partner form (also a customer group's: the payment terms) read into ``model``,
    with German messages for the fields whose pydantic message says little."""
    data, form = parse_form(model, submitted, fields=fields, empty_as_none=edit)
    for name, message in _FIELD_MESSAGES.items():
        if name in form.errors and form.values.get(name, "").strip():
            form.errors[name] = message
    if "" in form.errors:  # the model's own check: the payment terms do not fit together
        form.errors.pop("")
        form.errors["cash_discount_days"] = TERMS_MESSAGE
    if data is not None:
        for name in _EMPTY_TEXT:
            if name in data.model_fields_set and getattr(data, name) is None:
                setattr(data, name, "")
    return data, form


def fail(form: FormState, error: DomainError, fields: tuple[str, ...]) -> FormState:
    """A service's error at its field; the payment terms rule in German."""
    form.fail(error, fields)
    if form.errors.get("cash_discount_days") and "cash discount" in error.detail:
        form.errors["cash_discount_days"] = TERMS_MESSAGE
    return form


def form_text(value: Any) -> str:
    """A stored value as a form shows it (German numbers, empty for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, Decimal):
        return number(value)
    return str(getattr(value, "value", value))


def values_of(obj: Any, fields: tuple[str, ...]) -> dict[str, str]:
    return {name: form_text(getattr(obj, name)) for name in fields}


def choices(session: Any) -> dict[str, Any]:
    """What the customer and group forms offer: groups, price lists, invoice formats."""
    groups, _ = partners.list_groups(session, CHOICES)
    price_lists, _ = pricing.list_price_lists(session, CHOICES)
    return {
        "groups": [("", NONE)] + [(str(g.id), f"{g.code} {g.name}") for g in groups],
        "price_lists": [("", NONE)] + [(str(p.id), f"{p.code} {p.name}") for p in price_lists],
        "invoice_formats": INVOICE_FORMATS,
    }


# --- Kunden --------------------------------------------------------------------------------
@router.get("/kunden")
def customer_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(
        request,
        sorts=tuple(partners.CUSTOMER_SORTS),
        default_sort="customer_no",
        filters=("gruppe", "gesperrt"),
    )
    group = query.filters["gruppe"]
    rows, total = partners.list_customers(
        session,
        query.params,
        search=query.search or None,
        group_id=int(group) if group.isdigit() and 0 < int(group) < 2**63 else None,
        blocked={"ja": True, "nein": False}.get(query.filters["gesperrt"]),
        sort=query.sort,
        descending=query.descending,
    )
    context = {
        "rows": rows,
        "groups": partners.groups_by_id(session, (c.group_id for c in rows)),
        "pager": Pager(query, total),
        "query": query,
        "group_options": choices(session)["groups"],
    }
    template = "partners/_customers.html" if is_htmx(request) else "partners/customers.html"
    return render(request, template, context)


@router.get("/kunden/neu")
def new_customer_page(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PARTNER_WRITER)
    form = FormState(values={"country": "DE", "invoice_format": "pdf"})
    return render(request, "partners/customer_form.html", {"form": form, **choices(session)})


@router.post("/kunden/neu")
async def create_customer(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PARTNER_WRITER)
    fields = ("customer_no", *CUSTOMER_FIELDS)
    data, form = parse_partner(CustomerCreate, await request.form(), fields, edit=False)
    if data is not None:
        try:
            customer = partners.create_customer(session, data)
        except DomainError as error:
            fail(form, error, fields)
        else:
            return redirect(f"/kunden/{customer.id}")
    context = {"form": form, **choices(session)}
    return render(request, "partners/customer_form.html", context, status_code=422)


@router.get("/kunden/{customer_id}")
def customer_detail(
    customer_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    customer = partners.get_customer(session, customer_id)
    terms = partners.effective_terms(session, customer)
    chain = partners.group_chain(session, customer.group_id)
    price_lists = [pricing.get_price_list(session, i) for i in terms.price_list_ids]
    context = {
        "customer": customer,
        "terms": terms,
        "groups": chain,
        "price_lists": price_lists,
        "credit": credit_status(session, customer),
    }
    return render(request, "partners/customer.html", context)


@router.get("/kunden/{customer_id}/bearbeiten")
def edit_customer_page(
    customer_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PARTNER_WRITER)
    customer = partners.get_customer(session, customer_id)
    form = FormState(values=values_of(customer, CUSTOMER_FIELDS))
    context = {"form": form, "customer": customer, **choices(session)}
    return render(request, "partners/customer_form.html", context)


@router.post("/kunden/{customer_id}/bearbeiten")
async def update_customer(
    customer_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PARTNER_WRITER)
    partners.get_customer(session, customer_id)  # NotFound before reading the form
    data, form = parse_partner(CustomerUpdate, await request.form(), CUSTOMER_FIELDS, edit=True)
    if data is not None:
        try:
            partners.update_customer(session, customer_id, data)
        except DomainError as error:
            fail(form, error, CUSTOMER_FIELDS)
        else:
            return redirect(f"/kunden/{customer_id}")
    session.rollback()
    customer = partners.get_customer(session, customer_id)
    context = {"form": form, "customer": customer, **choices(session)}
    return render(request, "partners/customer_form.html", context, status_code=422)


# --- Lieferanten ---------------------------------------------------------------------------
@router.get("/lieferanten")
def supplier_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=tuple(partners.SUPPLIER_SORTS), default_sort="supplier_no")
    rows, total = partners.list_suppliers(
        session,
        query.params,
        search=query.search or None,
        sort=query.sort,
        descending=query.descending,
    )
    context = {"rows": rows, "pager": Pager(query, total), "query": query}
    template = "partners/_suppliers.html" if is_htmx(request) else "partners/suppliers.html"
    return render(request, template, context)


def _supplier_context(form: FormState, supplier: Supplier | None = None) -> dict[str, Any]:
    return {"form": form, "supplier": supplier, "invoice_formats": INVOICE_FORMATS}


@router.get("/lieferanten/neu")
def new_supplier_page(request: Request, user: WebUser) -> Response:
    require_role(user, PARTNER_WRITER)
    form = FormState(values={"country": "DE", "invoice_format": "pdf"})
    return render(request, "partners/supplier_form.html", _supplier_context(form))


@router.post("/lieferanten/neu")
async def create_supplier(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PARTNER_WRITER)
    fields = ("supplier_no", *COMMON_FIELDS)
    data, form = parse_partner(SupplierCreate, await request.form(), fields, edit=False)
    if data is not None:
        try:
            supplier = partners.create_supplier(session, data)
        except DomainError as error:
            fail(form, error, fields)
        else:
            return redirect(f"/lieferanten/{supplier.id}")
    return render(request, "partners/supplier_form.html", _supplier_context(form), status_code=422)


@router.get("/lieferanten/{supplier_id}")
def supplier_detail(
    supplier_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    supplier = partners.get_supplier(session, supplier_id)
    orders, total = purchase_orders.list_orders(
        session, PageParams(limit=10), supplier_id=supplier.id
    )
    context = {"supplier": supplier, "orders": orders, "order_total": total}
    return render(request, "partners/supplier.html", context)


@router.get("/lieferanten/{supplier_id}/bearbeiten")
def edit_supplier_page(
    supplier_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PARTNER_WRITER)
    supplier = partners.get_supplier(session, supplier_id)
    form = FormState(values=values_of(supplier, COMMON_FIELDS))
    return render(request, "partners/supplier_form.html", _supplier_context(form, supplier))


@router.post("/lieferanten/{supplier_id}/bearbeiten")
async def update_supplier(
    supplier_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, PARTNER_WRITER)
    partners.get_supplier(session, supplier_id)
    data, form = parse_partner(SupplierUpdate, await request.form(), COMMON_FIELDS, edit=True)
    if data is not None:
        try:
            partners.update_supplier(session, supplier_id, data)
        except DomainError as error:
            fail(form, error, COMMON_FIELDS)
        else:
            return redirect(f"/lieferanten/{supplier_id}")
    session.rollback()
    supplier = partners.get_supplier(session, supplier_id)
    context = _supplier_context(form, supplier)
    return render(request, "partners/supplier_form.html", context, status_code=422)
