"""Corrections of weighing tickets: the recorded, calibrated values are never changed; a
correction cancels the ticket (reversing its intake) and issues a new, linked one.

Its own module because it builds on both tickets and intake (intake builds on tickets)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landkontor.common.lookup import fetch
from landkontor.db.base import table_of
from landkontor.db.session import use_case
from landkontor.grain.intake import undo_intake
from landkontor.grain.masterdata import get_weighbridge
from landkontor.grain.models import (
    Allocation,
    Analysis,
    Ticket,
    TicketStatus,
    Weighing,
    WeighingKind,
)
from landkontor.grain.schemas import CorrectionIn
from landkontor.grain.tickets import (
    check_farmer_and_crop,
    current_analysis,
    ensure_changeable,
    get_ticket,
    record_weighing,
    set_tare,
    ticket_number,
)
from landkontor.inventory.models import Warehouse


@use_case
def correct_ticket(session: Session, ticket_id: int, data: CorrectionIn, *, actor: str) -> Ticket:
    """Replace a ticket by a new, linked one (the only way to change what was recorded).

    The old ticket is cancelled; if it was taken in, its stock postings are reversed and its
    genealogy links voided (its grain must still be in the silo cell). The new ticket keeps
    the old one's weighings unless new ones are given, and its current analysis is copied.
    """
    old = get_ticket(session, ticket_id, lock=True)
    ensure_changeable(old)
    supplier_id = data.supplier_id or old.supplier_id
    item_id = data.item_id or old.item_id
    check_farmer_and_crop(session, supplier_id, item_id)
    if old.status == TicketStatus.taken_in:
        undo_intake(session, old, reason=data.reason, actor=actor)
    bridge = get_weighbridge(session, old.weighbridge_id)
    warehouse = fetch(session, Warehouse, old.warehouse_id, kind="warehouse")
    old.status = TicketStatus.cancelled
    old.note = (old.note + f"\nCorrected: {data.reason}").strip()[:2000]
    session.execute(table_of(Allocation).delete().where(Allocation.ticket_id == old.id))
    new = Ticket(
        ticket_no=ticket_number(session, warehouse),
        warehouse_id=old.warehouse_id,
        weighbridge_id=old.weighbridge_id,
        supplier_id=supplier_id,
        item_id=item_id,
        vehicle_plate=data.vehicle_plate or old.vehicle_plate,
        driver=data.driver if data.driver is not None else old.driver,
        note=f"Correction of {old.ticket_no}: {data.reason}",
        status=TicketStatus.open,
        corrects_ticket_id=old.id,
        gross_weighing_id=old.gross_weighing_id,
        created_by=actor,
    )
    if data.gross is not None:
        new.gross_weighing_id = record_weighing(
            session, bridge, WeighingKind.gross, data.gross, manual=True, actor=actor, field="gross"
        ).id
    session.add(new)
    session.flush()
    tare_data = data.tare
    if tare_data is not None:
        tare = record_weighing(
            session, bridge, WeighingKind.tare, tare_data, manual=True, actor=actor, field="tare"
        )
        set_tare(session, new, tare, "tare")
    elif old.tare_weighing_id is not None and new.gross_weighing_id is not None:
        old_tare = fetch(session, Weighing, old.tare_weighing_id, kind="weighing")
        set_tare(session, new, old_tare, "tare")
    analysis = current_analysis(session, old.id)
    if analysis is not None:
        copy = {
            c: getattr(analysis, c)
            for c in (
                "moisture",
                "foreign_matter",
                "broken_grain",
                "hectolitre_weight",
                "protein",
                "falling_number",
                "findings",
            )
        }
        session.add(
            Analysis(
                ticket_id=new.id,
                **copy,
                reason=f"copied from {old.ticket_no}",
                analysed_by=actor,
            )
        )
    session.flush()
    return new
