"""Taking a weighed and sampled load into a silo cell, and moving grain between cells.

The intake (one transaction):
1. the crop's quality terms of the day and the current analysis give the assessment
   (``rules.assess``): settlement weight with every step, class, premium, costs — or the
   refusal (the ticket is marked ``refused``, nothing is posted) or feed grade;
2. the settlement weight is allocated to the farmer's contracts (``contracts``);
3. a stock receipt of the settlement weight into the silo cell as the farmer's lot (a batch
   numbered like the ticket, with the farmer as supplier), valued at the allocation's known
   prices (contract price, else the day price);
4. the lot is mixed into the cell's running silo batch through the inventory's mixing
   (issue lot, receive silo batch, genealogy link lot → silo batch), so a trace from
   anything made from the silo reaches every farmer whose grain went into it.

A silo cell holds one running silo batch; when the cell has been emptied, its next intake
starts a new one. The cell's location row is locked first, so intakes into one cell queue.
Moving grain between cells (Umlagerung) mixes the source's silo batch into the target's:
the link keeps every farmer reachable.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.db.session import settings_of, use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidInput
from landkontor.grain import rules
from landkontor.grain.contracts import auto_allocate
from landkontor.grain.errors import TicketNotReady
from landkontor.grain.masterdata import rule_terms, terms_on
from landkontor.grain.models import SiloBatch, Ticket, TicketStatus
from landkontor.grain.schemas import CellTransferIn, CellTransferOut
from landkontor.grain.tickets import current_analysis, ensure_changeable, get_ticket
from landkontor.inventory import genealogy, mixing
from landkontor.inventory.batches import new_batch
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    Location,
    LocationKind,
    MovementType,
    StockLevel,
    StockMovement,
)
from landkontor.inventory.posting import PostingLine, post_movement, reverse_movement
from landkontor.inventory.schemas import MixIn, MixInput, MixOutput, NewBatch

TICKET_DOCUMENT = "grain_ticket"


def _silo_cell(session: Session, location_id: int, field: str) -> Location:
    """The silo cell, locked (intakes into one cell queue)."""
    cell = fetch(session, Location, location_id, kind="silo cell", lock=True, field=field)
    if cell.kind != LocationKind.silo:
        raise InvalidInput(f"location {cell.code} is not a silo cell", field=field)
    return cell


def _running(session: Session, cell_id: int) -> tuple[SiloBatch, Batch, Decimal] | None:
    """The cell's running silo batch with its batch and the stock it holds in the cell
    (one query), or None."""
    row = session.execute(
        select(SiloBatch, Batch, func.coalesce(StockLevel.quantity, 0))
        .join(Batch, Batch.id == SiloBatch.batch_id)
        .outerjoin(
            StockLevel,
            and_(
                StockLevel.item_id == Batch.item_id,
                StockLevel.location_id == SiloBatch.location_id,
                StockLevel.batch_key == Batch.id,
            ),
        )
        .where(SiloBatch.location_id == cell_id, SiloBatch.closed_at.is_(None))
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def running_silo_batch(session: Session, cell: Location, item: Item, field: str) -> Batch:
    """The cell's running silo batch for the crop; a new one if the cell is new or empty.
    A cell still holding another crop takes nothing else (422)."""
    running = _running(session, cell.id)
    if running is not None:
        silo, batch, level = running
        if level > 0:
            if batch.item_id != item.id:
                raise InvalidInput(
                    f"silo cell {cell.code} holds another crop ({batch.batch_no})", field=field
                )
            return batch
        silo.closed_at = utcnow()
        session.flush()
    count = session.scalar(
        select(func.count()).select_from(SiloBatch).where(SiloBatch.location_id == cell.id)
    )
    batch_no = f"SILO-{cell.id}-{(count or 0) + 1:04d}-{cell.code}"[:64]
    batch = new_batch(session, item, NewBatch(batch_no=batch_no), origin=BatchOrigin.manual)
    session.add(SiloBatch(location_id=cell.id, batch_id=batch.id))
    session.flush()
    return batch


def _sample(ticket: Ticket, session: Session) -> rules.Sample:
    analysis = current_analysis(session, ticket.id)
    if analysis is None:
        raise TicketNotReady(f"ticket {ticket.ticket_no} has no sample analysis")
    return rules.Sample(
        moisture=analysis.moisture,
        foreign_matter=analysis.foreign_matter,
        broken_grain=analysis.broken_grain,
        hectolitre_weight=analysis.hectolitre_weight,
        protein=analysis.protein,
        falling_number=analysis.falling_number,
    )


def _record_assessment(ticket: Ticket, terms_id: int, assessment: rules.Assessment) -> None:
    weight = assessment.weight
    ticket.quality_terms_id = terms_id
    ticket.drying_shrink_kg = weight.drying_shrink_kg
    ticket.foreign_matter_kg = weight.foreign_matter_kg
    ticket.handling_loss_kg = weight.handling_loss_kg
    ticket.settlement_kg = weight.settlement_kg


@use_case
def take_in(session: Session, ticket_id: int, location_id: int, *, actor: str) -> Ticket:
    """Take a weighed, sampled load into a silo cell (see the module docstring).

    Errors: unknown or non-silo cell, a cell of another site or holding another crop → 422;
    ticket not weighed, without analysis, already taken in or settled → 409; no quality
    terms for the crop → 409 ``no-quality-terms``; over-delivery without a day price → 409
    ``price-missing``. A load above a rejection limit set to refuse is marked refused.
    """
    ticket = get_ticket(session, ticket_id, lock=True)
    ensure_changeable(ticket)
    if ticket.status != TicketStatus.weighed or ticket.net_kg is None:
        raise TicketNotReady(
            f"ticket {ticket.ticket_no} is {ticket.status.value}; it needs both weighings "
            "and must not be taken in yet"
        )
    cell = _silo_cell(session, location_id, "location_id")
    if cell.warehouse_id != ticket.warehouse_id:
        raise InvalidInput("the silo cell is at another site than the ticket", field="location_id")
    today = business_today(settings_of(session))
    terms = terms_on(session, ticket.item_id, today)
    assessment = rules.assess(ticket.net_kg, _sample(ticket, session), rule_terms(terms))
    weight = assessment.weight
    if assessment.refused:
        _record_assessment(ticket, terms.id, assessment)
        ticket.status = TicketStatus.refused
        ticket.refused_reason = "; ".join(assessment.rejection_reasons)
        session.flush()
        return ticket
    if weight.settlement_kg <= 0:
        raise InvalidInput("the settlement weight of this load is zero", field="location_id")
    allocations = auto_allocate(session, ticket, weight.settlement_kg, today)
    item = fetch(session, Item, ticket.item_id, kind="item")
    silo = running_silo_batch(session, cell, item, "location_id")
    lot = new_batch(
        session,
        item,
        NewBatch(
            batch_no=ticket.ticket_no,
            supplier_id=ticket.supplier_id,
            supplier_batch_no=ticket.ticket_no,
            production_date=today,
            attributes={
                "grain_ticket_id": ticket.id,
                "quality_class": assessment.quality_class,
            },
        ),
        origin=BatchOrigin.receipt,
    )
    into_silo = _mix_in(item, lot.id, cell, silo, cell, weight.settlement_kg, ticket.ticket_no)
    opened = mixing.open_mix(session, into_silo, actor=actor)
    # Everything but the stock is written before the postings: the first of them locks the
    # crop's cost row, which every intake of the crop needs, until the commit.
    _record_assessment(ticket, terms.id, assessment)
    ticket.quality_class = assessment.quality_class
    ticket.quality_premium_per_t = assessment.premium_per_t
    ticket.drying_cost = assessment.drying_cost
    ticket.cleaning_cost = assessment.cleaning_cost
    ticket.feed_grade = assessment.feed_grade
    ticket.taken_in_on = today
    ticket.status = TicketStatus.taken_in
    ticket.location_id = cell.id
    ticket.lot_batch_id = lot.id
    ticket.silo_batch_id = silo.id
    ticket.mix_id = opened.record.id
    ticket.taken_in_at = utcnow()
    ticket.taken_in_by = actor
    session.flush()
    unit_cost = rules.receipt_unit_cost([(row.quantity_kg, price) for row, price in allocations])
    post_movement(
        session,
        MovementType.receipt,
        [
            PostingLine(
                item_id=item.id,
                location_id=cell.id,
                quantity=weight.settlement_kg,
                unit="kg",
                batch_id=lot.id,
                unit_cost=unit_cost,
            )
        ],
        actor=actor,
        reference=ticket.ticket_no,
        reason="grain intake",
        document_type=TICKET_DOCUMENT,
        document_id=ticket.id,
    )
    mixing.post_mix(session, opened, into_silo, actor=actor)
    return ticket


def _mix_in(
    item: Item,
    from_batch_id: int,
    from_cell: Location,
    into: Batch,
    into_cell: Location,
    quantity_kg: Decimal,
    reference: str,
    reason: str = "into the silo batch",
) -> MixIn:
    """The mix of a batch (a farmer's lot, a cell's silo batch) into a silo batch."""
    return MixIn(
        inputs=[
            MixInput(
                item_id=item.id,
                batch_id=from_batch_id,
                location_id=from_cell.id,
                quantity=quantity_kg,
                unit="kg",
            )
        ],
        output=MixOutput(
            item_id=item.id,
            location_id=into_cell.id,
            batch=NewBatch(batch_no=into.batch_no),
        ),
        reference=reference,
        reason=reason,
    )


def undo_intake(session: Session, ticket: Ticket, *, reason: str, actor: str) -> None:
    """Reverse a ticket's intake (for its correction): the mix into the silo batch (its
    grain must still be there), its genealogy link, and the lot's receipt."""
    if ticket.mix_id is not None:
        movements = session.scalars(
            select(StockMovement.id)
            .where(
                StockMovement.document_type == mixing.DOCUMENT_TYPE,
                StockMovement.document_id == ticket.mix_id,
                StockMovement.reverses_id.is_(None),
            )
            .order_by(StockMovement.id.desc())
        ).all()
        for movement_id in movements:
            reverse_movement(session, movement_id, reason=reason, actor=actor, own_document=True)
        genealogy.void_links(session, mixing.DOCUMENT_TYPE, ticket.mix_id)
    receipts = session.scalars(
        select(StockMovement.id).where(
            StockMovement.document_type == TICKET_DOCUMENT,
            StockMovement.document_id == ticket.id,
            StockMovement.reverses_id.is_(None),
            StockMovement.movement_type == MovementType.receipt,
        )
    ).all()
    for movement_id in receipts:
        reverse_movement(session, movement_id, reason=reason, actor=actor, own_document=True)


@use_case
def transfer_between_cells(
    session: Session, data: CellTransferIn, *, actor: str
) -> CellTransferOut:
    """Umlagerung: move grain of the source cell's running silo batch into the target
    cell's running silo batch (same crop), linking the two batches."""
    if data.from_location_id == data.to_location_id:
        raise InvalidInput("source and target cell are the same", field="to_location_id")
    # Lock both cells in id order (no deadlock between opposite transfers).
    first, second = sorted(
        [(data.from_location_id, "from_location_id"), (data.to_location_id, "to_location_id")]
    )
    cells = {lid: _silo_cell(session, lid, field) for lid, field in (first, second)}
    source_cell, target_cell = cells[data.from_location_id], cells[data.to_location_id]
    running = _running(session, source_cell.id)
    if running is None or running[2] <= 0:
        raise InvalidInput(f"silo cell {source_cell.code} is empty", field="from_location_id")
    source = running[1]
    item = fetch(session, Item, source.item_id, kind="item")
    target = running_silo_batch(session, target_cell, item, "to_location_id")
    record = mixing.mix(
        session,
        _mix_in(
            item,
            source.id,
            source_cell,
            target,
            target_cell,
            data.quantity_kg,
            f"{source_cell.code}→{target_cell.code}",
            reason=data.reason or "Umlagerung",
        ),
        actor=actor,
    )
    return CellTransferOut(
        from_batch_id=source.id,
        to_batch_id=target.id,
        quantity_kg=data.quantity_kg,
        mix_id=record.id,
    )
