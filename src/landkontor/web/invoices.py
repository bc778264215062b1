"""Verkauf: Rechnungen, Gutschriften, Zahlungen: the invoice list, an invoice with its
gapless number, its files (PDF, ZUGFeRD, XRechnung — the stored documents, served with
``documents``' file_response as the API serves them), the payment, and the credit note
(manager, as the API's route).

Issuing goes through ``sales.invoicing`` (from the order's page, ``web/sales.py``), which
renders and stores the documents in the same transaction. A second click on "bezahlt" finds
the invoice paid and shows it; a credit note is written after a confirmation page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.common.bounds import ID_MAX, Id, PositiveQuantity
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.documents.api import file_response
from landkontor.documents.service import InvoiceDocumentKind, invoice_file
from landkontor.errors import DomainError, InvalidState, NotFound
from landkontor.partners.schemas import Amount
from landkontor.sales import invoicing
from landkontor.sales.models import InvoiceKind, InvoiceStatus
from landkontor.sales.schemas import CreditNoteCreate, CreditReason, PaymentIn
from landkontor.web.forms import FormState, german_decimal, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.messages import input_message, problem_message
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

CREDITOR = Role.manager  # as the API's credit-note route
KINDS = {"rechnung": InvoiceKind.invoice, "gutschrift": InvoiceKind.credit_note}
STATUSES = {"offen": InvoiceStatus.issued, "bezahlt": InvoiceStatus.paid}
FILES = {
    "rechnung.pdf": InvoiceDocumentKind.pdf,
    "zugferd.pdf": InvoiceDocumentKind.zugferd,
    "xrechnung.xml": InvoiceDocumentKind.xrechnung,
}
CREDIT_QUANTITY = TypeAdapter(PositiveQuantity)
CREDIT_AMOUNT = TypeAdapter(Amount)
REASON = TypeAdapter(CreditReason)


@router.get("/verkauf/rechnungen")
def invoice_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("number",), default_sort="number", filters=("art", "status"))
    rows, total = invoicing.list_invoices(
        session,
        query.params,
        kind=KINDS.get(query.filters["art"]),
        status=STATUSES.get(query.filters["status"]),
        search=query.search or None,
    )
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "query": query,
        "kind_options": [("", "alle"), ("rechnung", "Rechnungen"), ("gutschrift", "Gutschriften")],
        "status_options": [("", "alle"), ("offen", "offen"), ("bezahlt", "bezahlt")],
    }
    template = "sales/_invoices.html" if is_htmx(request) else "sales/invoices.html"
    return render(request, template, context)


@router.get("/verkauf/zahlungen")
def open_items(request: Request, _: WebUser, session: SessionDep) -> Response:
    """Unpaid invoices (newest first), each with its payment form."""
    query = list_query(request, sorts=("number",), default_sort="number")
    rows, total = invoicing.list_invoices(
        session,
        query.params,
        kind=InvoiceKind.invoice,
        status=InvoiceStatus.issued,
        search=query.search or None,
    )
    context = {"rows": rows, "pager": Pager(query, total), "query": query}
    return render(request, "sales/payments.html", context)


def _invoice_context(session: Any, invoice_id: Id, **extra: Any) -> dict[str, Any]:
    document = invoicing.get_invoice(session, invoice_id)
    notes: list[Any] = []
    if document.kind == InvoiceKind.invoice:
        notes, _ = invoicing.list_invoices(
            session, PageParams(limit=100), credits_invoice_id=document.id
        )
    credited = (
        invoicing.get_invoice(session, document.credits_invoice_id)
        if (document.credits_invoice_id)
        else None
    )
    return {
        "invoice": document,
        "credit_notes": notes,
        "credited": credited,
        "files": FILES,
        "payment": FormState(),
        **extra,
    }


@router.get("/verkauf/rechnungen/{invoice_id}")
def invoice_detail(invoice_id: Id, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "sales/invoice.html", _invoice_context(session, invoice_id))


@router.get("/verkauf/rechnungen/{invoice_id}/{name}")
def invoice_download(invoice_id: Id, name: str, _: WebUser, session: SessionDep) -> Response:
    kind = FILES.get(name)
    if kind is None:
        raise NotFound(f"no file {name}", kind="file")
    return file_response(invoice_file(session, invoice_id, kind))


@router.post("/verkauf/rechnungen/{invoice_id}/zahlung")
async def record_payment(
    invoice_id: Id, request: Request, user: WebUser, session: SessionDep
) -> Response:
    submitted = await request.form()
    data, form = parse_form(PaymentIn, submitted)
    back = str(submitted.get("zurueck", ""))
    target = "/verkauf/zahlungen" if back == "zahlungen" else f"/verkauf/rechnungen/{invoice_id}"
    if data is not None:
        try:
            invoicing.record_payment(session, invoice_id, paid_on=data.paid_on, actor=user.username)
        except InvalidState as error:
            if invoicing.get_invoice(session, invoice_id).status == InvoiceStatus.paid:
                return redirect(target)  # a second click: paid already
            form.fail(error, ("paid_on",))
        else:
            return redirect(target)
    context = _invoice_context(session, invoice_id, payment=form)
    return render(request, "sales/invoice.html", context, status_code=422)


# --- credit notes -----------------------------------------------------------------------------
def _credit_context(session: Any, invoice_id: Id, form: FormState) -> dict[str, Any]:
    document = invoicing.get_invoice(session, invoice_id)
    if document.kind != InvoiceKind.invoice:
        raise InvalidState(f"{document.number} is a credit note; credit the invoice itself")
    return {"invoice": document, "form": form}


@router.get("/verkauf/rechnungen/{invoice_id}/gutschrift/neu")
def credit_form(invoice_id: Id, request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, CREDITOR)
    return render(
        request, "sales/credit_note.html", _credit_context(session, invoice_id, FormState())
    )


@router.post("/verkauf/rechnungen/{invoice_id}/gutschrift/neu")
async def write_credit_note(
    invoice_id: Id, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """A credit note of everything left (nothing typed in the lines), or of the returned
    quantities or net amounts typed per line."""
    require_role(user, CREDITOR)
    context = _credit_context(session, invoice_id, FormState())
    submitted = await request.form()
    form = FormState(values={k: v for k, v in submitted.items() if isinstance(v, str)})
    body = _credit_body(context["invoice"], form)
    if body is not None:
        try:
            note = invoicing.credit_invoice(session, invoice_id, body, actor=user.username)
        except DomainError as error:
            _credit_error(context["invoice"], body, form, error)
        else:
            return redirect(f"/verkauf/rechnungen/{note.id}")
    context["form"] = form
    return render(request, "sales/credit_note.html", context, status_code=422)


def _credit_body(document: Any, form: FormState) -> CreditNoteCreate | None:
    """The service's request from the form; errors at their field (``q-<line>``, ``a-<line>``)."""
    try:
        reason = REASON.validate_python(form.value("reason").strip())
    except ValidationError as exc:
        first = exc.errors()[0]
        form.errors["reason"] = input_message(first["type"], first.get("ctx"))
        reason = ""
    lines = []
    for line in document.lines:
        quantity = _typed(form, f"q-{line.id}", CREDIT_QUANTITY)
        amount = _typed(form, f"a-{line.id}", CREDIT_AMOUNT)
        if quantity is not None and amount is not None:
            form.errors[f"a-{line.id}"] = "Bitte Menge oder Betrag angeben, nicht beides."
        elif quantity is not None or amount is not None:
            if amount is not None and amount <= 0:
                form.errors[f"a-{line.id}"] = input_message("greater_than", {"gt": 0})
                continue
            lines.append({"invoice_line_id": line.id, "quantity": quantity, "net_amount": amount})
    if form.errors:
        return None
    try:
        return CreditNoteCreate(reason=reason, lines=lines or None)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())]
            form.errors.setdefault(
                "reason" if loc[:1] == ["reason"] else "lines",
                input_message(error["type"], error.get("ctx")),
            )
        form.message = form.errors.pop("lines", None)
        return None


def _typed(form: FormState, name: str, adapter: TypeAdapter) -> Any:
    text = form.value(name).strip()[:40]
    if not text:
        return None
    try:
        return adapter.validate_python(german_decimal(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        form.errors[name] = input_message(first["type"], first.get("ctx"))
        return None


def _credit_error(document: Any, body: CreditNoteCreate, form: FormState, error: Any) -> None:
    """A service error at the line it names (its quantity or amount), else above the form."""
    message = problem_message(error)
    for entry in error.errors:
        field = str(entry.get("field", ""))
        if field.startswith("lines[") and body.lines:
            index = int(field[6 : field.index("]")])
            line_id = body.lines[index].invoice_line_id if index < len(body.lines) else 0
            prefix = "a" if field.endswith("net_amount") else "q"
            if 0 < line_id <= ID_MAX:
                form.errors[f"{prefix}-{line_id}"] = message
    if not form.errors:
        form.message = message
