"""Getreideannahme: the weighbridge clerk's screen — one truck in well under a minute,
keyboard only, large type.

New ticket (weighbridge with its site, farmer found by number or name as typed, crop, plate,
driver, gross weight with the scale's record number) → the ticket's page, whose next step
has the focus: tare → sample analysis → intake into a silo cell → the ticket for the receipt
printer. Enter moves to the next field and sends the form from its last one. Today's tickets
with their status are listed below the new-ticket form.

Every step calls the grain service the API calls (tickets.create_ticket, push_weighing,
add_analysis, intake.take_in). None needs a separate idempotency key: each step is
guarded by its own natural key — the scale's record number is unique per weighbridge (a
resent ticket or tare form is refused at that field and nothing is stored twice), a second
analysis needs a reason, and a ticket is taken in once — and the browser disables a form's
buttons once it is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from landkontor.common.bounds import Id, PositiveQuantity, single_line
from landkontor.common.deps import SessionDep
from landkontor.common.schemas import InputModel
from landkontor.db.types import utcnow
from landkontor.documents.grain_tickets import render_ticket
from landkontor.errors import DomainError
from landkontor.grain import desk, intake, tickets
from landkontor.grain.models import Ticket, TicketStatus, Weighing, WeighingKind
from landkontor.grain.schemas import (
    AnalysisIn,
    AnalysisOut,
    IntakeIn,
    TicketCreate,
    WeighingIn,
    WeighingPush,
)
from landkontor.partners.models import Supplier
from landkontor.web.forms import FormState, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.pages import WebRoute, WebUser, post_checks, redirect, render

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

TicketId = Annotated[Id, Path()]


class NewTicketForm(InputModel):
    """The new-ticket form: TicketCreate's fields, the farmer by number, the gross flat."""

    weighbridge_id: Id
    supplier_no: single_line(Supplier.supplier_no, min_length=1)
    item_id: Id
    vehicle_plate: single_line(Ticket.vehicle_plate, min_length=1)
    driver: single_line(Ticket.driver) = ""
    gross_kg: PositiveQuantity
    gross_record_no: single_line(Weighing.record_no, min_length=1)


class TareForm(InputModel):
    tare_kg: PositiveQuantity
    tare_record_no: single_line(Weighing.record_no, min_length=1)


NEW_FIELDS = tuple(NewTicketForm.model_fields)
TARE_FIELDS = tuple(TareForm.model_fields)
ANALYSIS_FIELDS = tuple(AnalysisIn.model_fields)
# Fields the services name -> the fields of these forms.
SERVICE_FIELDS = {
    "supplier_id": "supplier_no",
    "gross.weight_kg": "gross_kg",
    "gross.record_no": "gross_record_no",
    "body.weight_kg": "tare_kg",
    "body.record_no": "tare_record_no",
    "record_no": "tare_record_no",
}


def place_error(form: FormState, error: DomainError, fields: tuple[str, ...]) -> FormState:
    """A service's error at the field of this form it concerns, else above the form."""
    for entry in error.errors:
        name = str(entry.get("field", ""))
        name = SERVICE_FIELDS.get(name, name)
        if name in fields:
            entry["field"] = name
    return form.fail(error, fields)


def _desk_context(request: Request, session: Any, form: FormState) -> dict[str, Any]:
    query = list_query(request, sorts=("newest",), default_sort="newest")
    day_tickets, total = desk.tickets_of_day(session, query.params)
    return {
        "form": form,
        "bridges": desk.weighbridges(session),
        "crops": desk.crops(session),
        "farmers": desk.find_farmers(session, form.value("supplier_no")),
        "day_tickets": day_tickets,
        "pager": Pager(query, total),
    }


@router.get("/getreideannahme")
def intake_desk(request: Request, _: WebUser, session: SessionDep) -> Response:
    form = FormState()
    bridge = request.cookies.get("lk_weighbridge", "")  # the clerk's own weighbridge
    if bridge.isdigit():
        form.values["weighbridge_id"] = bridge
    return render(request, "grain/index.html", _desk_context(request, session, form))


@router.get("/getreideannahme/landwirte")
def farmer_options(
    request: Request,
    _: WebUser,
    session: SessionDep,
    supplier_no: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Active search: the farmers matching what is typed, as options of the field's list."""
    farmers = desk.find_farmers(session, supplier_no.replace("\x00", ""))
    return render(request, "grain/_farmers.html", {"farmers": farmers})


@router.post("/getreideannahme")
async def open_ticket(request: Request, user: WebUser, session: SessionDep) -> Response:
    submitted = await request.form()
    data, form = parse_form(NewTicketForm, submitted)
    if data is not None:
        try:
            farmer = desk.farmer_by_number(session, data.supplier_no, field="supplier_no")
            body = TicketCreate(
                weighbridge_id=data.weighbridge_id,
                supplier_id=farmer.id,
                item_id=data.item_id,
                vehicle_plate=data.vehicle_plate,
                driver=data.driver,
                gross=WeighingIn(
                    weight_kg=data.gross_kg, record_no=data.gross_record_no, weighed_at=utcnow()
                ),
            )
            ticket = tickets.create_ticket(session, body, actor=user.username)
        except DomainError as error:
            place_error(form, error, NEW_FIELDS)
        else:
            response = redirect(f"/getreideannahme/{ticket.id}")
            response.set_cookie(
                "lk_weighbridge",
                str(data.weighbridge_id),
                max_age=60 * 60 * 24 * 365,
                httponly=True,
                samesite="lax",
            )
            return response
    context = _desk_context(request, session, form)
    return render(request, "grain/index.html", context, status_code=422)


def _ticket_context(session: Any, ticket_id: int, **forms: FormState) -> dict[str, Any]:
    ticket = tickets.get_ticket(session, ticket_id)
    out = tickets.ticket_out(session, ticket)
    bridge_sites = {b.id: b.label for b in desk.weighbridges(session)}
    context: dict[str, Any] = {
        "ticket": out,
        "bridge": bridge_sites.get(ticket.weighbridge_id, ""),
        "farmer": desk.farmer_label(session, ticket.supplier_id),
        "crop": desk.crop_label(session, ticket.item_id),
        "cells": desk.silo_cells(session, ticket.warehouse_id),
        "cell": desk.location_code(session, ticket.location_id),
        "tare_form": forms.get("tare_form") or FormState(),
        "analysis_form": forms.get("analysis_form") or FormState(),
        "intake_form": forms.get("intake_form") or FormState(),
        # a second analysis replaces the first, with a reason, until the intake
        "can_correct": out.analysis is not None
        and ticket.status in (TicketStatus.open, TicketStatus.weighed),
        "correction_form": forms.get("correction_form") or _analysis_values(out.analysis),
    }
    status = ticket.status
    if status == TicketStatus.open:
        context["step"] = "tare"
    elif status == TicketStatus.weighed:
        context["step"] = "intake" if out.analysis is not None else "analysis"
    else:
        context["step"] = "done"
    for name, form in forms.items():
        if not form.ok:  # a failed step keeps the focus
            context["step"] = name.removesuffix("_form")
    return context


@router.get("/getreideannahme/{ticket_id}")
def ticket_page(ticket_id: TicketId, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "grain/ticket.html", _ticket_context(session, ticket_id))


@router.post("/getreideannahme/{ticket_id}/tara")
async def weigh_tare(
    ticket_id: TicketId, request: Request, user: WebUser, session: SessionDep
) -> Response:
    data, form = parse_form(TareForm, await request.form())
    if data is not None:
        ticket = tickets.get_ticket(session, ticket_id)
        push = WeighingPush(
            ticket_id=ticket_id,
            record_no=data.tare_record_no,
            weight_kg=data.tare_kg,
            weighed_at=utcnow(),
            kind=WeighingKind.tare,
        )
        try:
            tickets.push_weighing(
                session, ticket.weighbridge_id, push, actor=user.username, manual=True
            )
        except DomainError as error:
            place_error(form, error, TARE_FIELDS)
        else:
            return redirect(f"/getreideannahme/{ticket_id}")
    context = _ticket_context(session, ticket_id, tare_form=form)
    return render(request, "grain/ticket.html", context, status_code=422)


def _analysis_values(analysis: AnalysisOut | None) -> FormState:
    """The correction form, filled with the analysis it replaces (German decimals)."""
    if analysis is None:
        return FormState()
    values = {}
    for name in ANALYSIS_FIELDS:
        value = getattr(analysis, name, None)
        if isinstance(value, Decimal):
            value = f"{value.normalize():f}".replace(".", ",")
        values[name] = "" if value is None or name == "reason" else str(value)
    return FormState(values=values)


async def _record_analysis(
    ticket_id: int, request: Request, user: Any, session: Any, form_name: str
) -> Response:
    """The sample analysis (``analysis_form``) or its correction (``correction_form``,
    with a reason): the same service call; a refusal re-renders that form."""
    data, form = parse_form(AnalysisIn, await request.form())
    if data is not None:
        try:
            tickets.add_analysis(session, ticket_id, data, actor=user.username)
        except DomainError as error:
            place_error(form, error, ANALYSIS_FIELDS)
        else:
            return redirect(f"/getreideannahme/{ticket_id}")
    context = _ticket_context(session, ticket_id, **{form_name: form})
    return render(request, "grain/ticket.html", context, status_code=422)


@router.post("/getreideannahme/{ticket_id}/probe")
async def sample(
    ticket_id: TicketId, request: Request, user: WebUser, session: SessionDep
) -> Response:
    return await _record_analysis(ticket_id, request, user, session, "analysis_form")


@router.post("/getreideannahme/{ticket_id}/probe-korrektur")
async def correct_sample(
    ticket_id: TicketId, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """A second analysis that replaces the first (Schiedsprobe, typing error), with a reason."""
    return await _record_analysis(ticket_id, request, user, session, "correction_form")


@router.post("/getreideannahme/{ticket_id}/annahme")
async def take_in(
    ticket_id: TicketId, request: Request, user: WebUser, session: SessionDep
) -> Response:
    data, form = parse_form(IntakeIn, await request.form())
    if data is not None:
        try:
            intake.take_in(session, ticket_id, data.location_id, actor=user.username)
        except DomainError as error:
            place_error(form, error, ("location_id",))
        else:
            return redirect(f"/getreideannahme/{ticket_id}")
    context = _ticket_context(session, ticket_id, intake_form=form)
    return render(request, "grain/ticket.html", context, status_code=422)


@router.get("/getreideannahme/{ticket_id}/wiegeschein.pdf")
def ticket_pdf(ticket_id: TicketId, _: WebUser, session: SessionDep) -> Response:
    """The ticket for the receipt printer, shown in the browser (inline) to print."""
    number, content = render_ticket(session, ticket_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="Wiegeschein_{number}.pdf"'},
    )
