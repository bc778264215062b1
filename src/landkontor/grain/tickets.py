"""Weighing tickets (Wiegescheine): creation with manual weighings, weighings pushed by a
weighbridge terminal, sample analyses, corrections and reading.

Rules: a ticket is numbered gapless per site (warehouse) and year, ``WS-<site>-2026-000001``,
from the numbering service inside the creating transaction. Weighings are stored as the
scale recorded them and never changed; a scale's record number is stored once, so a terminal
may push the same weighing again and gets the ticket back unchanged. The first weighing is
the gross (loaded truck), the second the tare (empty truck); tare at or above gross is
refused. Once a ticket is taken in, refused, cancelled or settled its weighings and analyses
are final: a correction is a new ticket linked to the old one, which is cancelled (and its
stock postings reversed).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.errors import InvalidInput
from landkontor.grain.errors import (
    ReasonRequired,
    TareNotBelowGross,
    TicketNotReady,
    TicketSettled,
    WeighingConflict,
)
from landkontor.grain.masterdata import get_weighbridge
from landkontor.grain.models import (
    Allocation,
    Analysis,
    Ticket,
    TicketStatus,
    Weighbridge,
    Weighing,
    WeighingKind,
)
from landkontor.grain.schemas import (
    AllocationOut,
    AnalysisIn,
    AnalysisOut,
    TicketCreate,
    TicketOut,
    WeighingIn,
    WeighingOut,
    WeighingPush,
)
from landkontor.inventory.models import Warehouse
from landkontor.numbering.service import next_sequence
from landkontor.partners.service import ensure_supplier_not_blocked, get_supplier

TICKET_SERIES = "WS"


def ticket_number(session: Session, warehouse: Warehouse) -> str:
    """The next ticket number of a site in this business year (gapless)."""
    year = business_today(settings_of(session)).year
    number = next_sequence(session, f"{TICKET_SERIES}{warehouse.id}", year)
    return f"{TICKET_SERIES}-{warehouse.code}-{year}-{number:06d}"


def get_ticket(
    session: Session, ticket_id: int, *, lock: bool = False, field: str | None = None
) -> Ticket:
    # A lock re-reads the row: a long-lived session may hold an older copy of it.
    ticket = fetch(session, Ticket, ticket_id, kind="ticket", lock=lock, field=field)
    return ticket


def ensure_changeable(ticket: Ticket) -> None:
    """Settled and cancelled tickets are final."""
    if ticket.settlement_id is not None:
        raise TicketSettled(f"ticket {ticket.ticket_no} is settled; it cannot change")
    if ticket.status == TicketStatus.cancelled:
        raise TicketNotReady(f"ticket {ticket.ticket_no} was corrected by another ticket")


def check_farmer_and_crop(session: Session, supplier_id: int, item_id: int) -> None:
    supplier = get_supplier(session, supplier_id, field="supplier_id")
    ensure_supplier_not_blocked(supplier)
    item = get_item(session, item_id, field="item_id")
    if not item.batch_managed:
        raise InvalidInput(
            f"crop {item.item_no} must be batch-managed (each load is a farmer's lot)",
            field="item_id",
        )


def record_weighing(
    session: Session,
    bridge: Weighbridge,
    kind: WeighingKind,
    data: WeighingIn | WeighingPush,
    *,
    manual: bool,
    actor: str,
    field: str,
) -> Weighing:
    return record_weighings(session, bridge, [(kind, data, field)], manual=manual, actor=actor)[0]


def record_weighings(
    session: Session,
    bridge: Weighbridge,
    weighings: Sequence[tuple[WeighingKind, WeighingIn | WeighingPush, str]],
    *,
    manual: bool,
    actor: str,
) -> list[Weighing]:
    """Store weighings of one weighbridge as the scale recorded them (one check of their
    record numbers, one insert); a record number stored before → WeighingConflict naming
    the weighing's field."""
    record_nos = [data.record_no for _, data, _ in weighings]
    taken = set(
        session.scalars(
            select(Weighing.record_no).where(
                Weighing.weighbridge_id == bridge.id, Weighing.record_no.in_(record_nos)
            )
        )
    )
    seen: set[str] = set()
    for _, data, field in weighings:
        if data.record_no in taken or data.record_no in seen:
            raise WeighingConflict(
                f"record {data.record_no} of weighbridge {bridge.code} is already stored",
                field=f"{field}.record_no",
            )
        seen.add(data.record_no)
    rows = [
        Weighing(
            weighbridge_id=bridge.id,
            record_no=data.record_no,
            kind=kind,
            weight_kg=data.weight_kg,
            weighed_at=data.weighed_at,
            manual=manual,
            recorded_by=actor,
        )
        for kind, data, _ in weighings
    ]
    session.add_all(rows)
    session.flush()
    return rows


def set_tare(session: Session, ticket: Ticket, tare: Weighing, field: str) -> None:
    gross = fetch(session, Weighing, ticket.gross_weighing_id, kind="weighing")
    _weigh(ticket, gross, tare, field)


def _weigh(ticket: Ticket, gross: Weighing, tare: Weighing, field: str) -> None:
    """Complete the ticket with its tare: net = gross - tare (tare ≥ gross → 422)."""
    if tare.weight_kg >= gross.weight_kg:
        raise TareNotBelowGross(
            f"tare {tare.weight_kg} kg must be below gross {gross.weight_kg} kg",
            field=f"{field}.weight_kg",
        )
    ticket.tare_weighing_id = tare.id
    ticket.net_kg = gross.weight_kg - tare.weight_kg
    ticket.status = TicketStatus.weighed


@use_case
def create_ticket(session: Session, data: TicketCreate, *, actor: str) -> Ticket:
    """Open a ticket for a truck; with manual gross (and tare) weighings if given.
    Unknown farmer, crop or weighbridge → 422; tare without gross or tare ≥ gross → 422."""
    bridge = get_weighbridge(session, data.weighbridge_id, field="weighbridge_id")
    check_farmer_and_crop(session, data.supplier_id, data.item_id)
    if data.tare is not None and data.gross is None:
        raise InvalidInput("the tare needs the gross weighing first", field="tare")
    if data.tare is not None and data.gross and data.tare.weight_kg >= data.gross.weight_kg:
        raise TareNotBelowGross("tare must be below gross", field="tare.weight_kg")
    warehouse = fetch(session, Warehouse, bridge.warehouse_id, kind="warehouse")
    # The weighings first (one insert), then the ticket complete with them (one insert).
    given = [
        (kind, weighing, kind.value)
        for kind, weighing in ((WeighingKind.gross, data.gross), (WeighingKind.tare, data.tare))
        if weighing is not None
    ]
    weighings = record_weighings(session, bridge, given, manual=True, actor=actor) if given else []
    ticket = Ticket(
        ticket_no=ticket_number(session, warehouse),
        warehouse_id=warehouse.id,
        weighbridge_id=bridge.id,
        supplier_id=data.supplier_id,
        item_id=data.item_id,
        vehicle_plate=data.vehicle_plate,
        driver=data.driver,
        note=data.note,
        status=TicketStatus.open,
        created_by=actor,
    )
    if weighings:
        ticket.gross_weighing_id = weighings[0].id
    if len(weighings) == 2:
        _weigh(ticket, weighings[0], weighings[1], "tare")
    session.add(ticket)
    session.flush()
    return ticket


def _ticket_using(session: Session, weighing_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(
            or_(Ticket.gross_weighing_id == weighing_id, Ticket.tare_weighing_id == weighing_id),
            Ticket.status != TicketStatus.cancelled,
        )
    )


@use_case
def push_weighing(
    session: Session, weighbridge_id: int, data: WeighingPush, *, actor: str, manual: bool = False
) -> tuple[Ticket, bool]:
    """A weighing from a terminal (or typed in by the clerk: ``manual``): the ticket's gross,
    then its tare. Idempotent by the scale's record number: the same record again returns
    the ticket (replayed=True); the record number with other values or for another ticket is
    a conflict (409)."""
    bridge = get_weighbridge(session, weighbridge_id)
    ticket = get_ticket(session, data.ticket_id, lock=True, field="ticket_id")
    existing = session.scalar(
        select(Weighing).where(
            Weighing.weighbridge_id == bridge.id, Weighing.record_no == data.record_no
        )
    )
    if existing is not None:
        owner = _ticket_using(session, existing.id)
        same = (
            existing.weight_kg == data.weight_kg
            and existing.weighed_at == data.weighed_at
            and (data.kind is None or data.kind == existing.kind)
        )
        if same and owner is not None and owner.id == ticket.id:
            return ticket, True
        raise WeighingConflict(
            f"record {data.record_no} of weighbridge {bridge.code} is stored with other values "
            "or for another ticket",
            field="record_no",
        )
    ensure_changeable(ticket)
    if bridge.warehouse_id != ticket.warehouse_id:
        raise InvalidInput("the weighbridge is at another site than the ticket", field="ticket_id")
    kind = data.kind or (
        WeighingKind.gross if ticket.gross_weighing_id is None else WeighingKind.tare
    )
    if kind == WeighingKind.gross and ticket.gross_weighing_id is not None:
        raise TicketNotReady(f"ticket {ticket.ticket_no} has its gross weighing already")
    if kind == WeighingKind.tare:
        if ticket.gross_weighing_id is None:
            raise TicketNotReady(f"ticket {ticket.ticket_no} needs the gross weighing first")
        if ticket.tare_weighing_id is not None:
            raise TicketNotReady(f"ticket {ticket.ticket_no} has its tare weighing already")
    weighing = record_weighing(
        session, bridge, kind, data, manual=manual, actor=actor, field="body"
    )
    if kind == WeighingKind.gross:
        ticket.gross_weighing_id = weighing.id
    else:
        set_tare(session, ticket, weighing, "body")
    session.flush()
    return ticket, False


def current_analysis(session: Session, ticket_id: int) -> Analysis | None:
    """The analysis in force: the latest (each one replaces the one before)."""
    return session.scalar(
        select(Analysis).where(Analysis.ticket_id == ticket_id).order_by(Analysis.id.desc())
    )


@use_case
def add_analysis(session: Session, ticket_id: int, data: AnalysisIn, *, actor: str) -> Analysis:
    """Record the sample analysis; a second one replaces the first and needs a reason.
    Only before the intake: afterwards the ticket is corrected by a new ticket."""
    ticket = get_ticket(session, ticket_id, lock=True)
    ensure_changeable(ticket)
    if ticket.status not in (TicketStatus.open, TicketStatus.weighed):
        raise TicketNotReady(
            f"ticket {ticket.ticket_no} is {ticket.status.value}; correct it with a new ticket"
        )
    previous = current_analysis(session, ticket.id)
    if previous is not None and not data.reason:
        raise ReasonRequired("a second analysis replaces the first: give a reason", field="reason")
    analysis = Analysis(
        ticket_id=ticket.id,
        **data.model_dump(exclude={"reason"}),
        reason=data.reason,
        replaces_id=previous.id if previous else None,
        analysed_by=actor,
    )
    session.add(analysis)
    session.flush()
    return analysis


# --- reading ------------------------------------------------------------------------------
def ticket_out(session: Session, ticket: Ticket) -> TicketOut:
    out = TicketOut.model_validate(ticket)
    for kind, weighing_id in (
        ("gross", ticket.gross_weighing_id),
        ("tare", ticket.tare_weighing_id),
    ):
        if weighing_id is not None:
            setattr(
                out,
                kind,
                WeighingOut.model_validate(fetch(session, Weighing, weighing_id, kind="weighing")),
            )
    analyses = list(
        session.scalars(
            select(Analysis).where(Analysis.ticket_id == ticket.id).order_by(Analysis.id)
        )
    )
    out.analyses = [AnalysisOut.model_validate(a) for a in analyses]
    out.analysis = out.analyses[-1] if out.analyses else None
    out.allocations = [
        AllocationOut.model_validate(a)
        for a in session.scalars(
            select(Allocation).where(Allocation.ticket_id == ticket.id).order_by(Allocation.id)
        )
    ]
    return out


def list_tickets(
    session: Session,
    params: PageParams,
    *,
    warehouse_id: int | None = None,
    supplier_id: int | None = None,
    status: TicketStatus | None = None,
) -> tuple[list[Ticket], int]:
    stmt = select(Ticket).order_by(Ticket.id.desc())
    if warehouse_id is not None:
        stmt = stmt.where(Ticket.warehouse_id == warehouse_id)
    if supplier_id is not None:
        stmt = stmt.where(Ticket.supplier_id == supplier_id)
    if status is not None:
        stmt = stmt.where(Ticket.status == status)
    return paginate(session, stmt, params)
