"""Harvest reports: intake by day, crop and site; silo contents with the mix of farmers'
lots and their average quality; open contract quantities; unsettled tickets; and the
farmers behind any batch (the trace from a compound feed back to the farmers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landkontor.grain import rules
from landkontor.grain.contracts import allocated_kg
from landkontor.grain.models import (
    Analysis,
    Contract,
    ContractStatus,
    SiloBatch,
    Ticket,
    TicketStatus,
)
from landkontor.grain.schemas import (
    FarmerTraceRow,
    IntakeRow,
    OpenContractRow,
    SiloContentRow,
    SiloLotRow,
)
from landkontor.inventory import genealogy
from landkontor.inventory.batches import get_batch
from landkontor.inventory.models import Batch, BatchLink, Location, LocationKind, StockLevel
from landkontor.partners.models import Supplier


def intake_by_day(
    session: Session,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    warehouse_id: int | None = None,
    item_id: int | None = None,
) -> list[IntakeRow]:
    """Loads taken in per day, site and crop: count, net and settlement weight."""
    stmt = (
        select(
            Ticket.taken_in_on,
            Ticket.warehouse_id,
            Ticket.item_id,
            func.count(),
            func.sum(Ticket.net_kg),
            func.sum(Ticket.settlement_kg),
        )
        .where(Ticket.status == TicketStatus.taken_in)
        .group_by(Ticket.taken_in_on, Ticket.warehouse_id, Ticket.item_id)
        .order_by(Ticket.taken_in_on, Ticket.warehouse_id, Ticket.item_id)
    )
    if date_from is not None:
        stmt = stmt.where(Ticket.taken_in_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(Ticket.taken_in_on <= date_to)
    if warehouse_id is not None:
        stmt = stmt.where(Ticket.warehouse_id == warehouse_id)
    if item_id is not None:
        stmt = stmt.where(Ticket.item_id == item_id)
    return [
        IntakeRow(day=day, warehouse_id=w, item_id=i, tickets=n, net_kg=net, settlement_kg=settled)
        for day, w, i, n, net, settled in session.execute(stmt)
    ]


def _weighted(pairs: list[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    known = [(v, q) for v, q in pairs if v is not None]
    total = sum((q for _, q in known), Decimal(0))
    if not total:
        return None
    return (sum((v * q for v, q in known), Decimal(0)) / total).quantize(Decimal("0.01"))


def silo_contents(session: Session, warehouse_id: int | None = None) -> list[SiloContentRow]:
    """Every silo cell: its running silo batch, the quantity in the cell, the farmers'
    lots mixed into it (direct links: intakes) and their quality weighted by quantity."""
    cells_stmt = select(Location).where(Location.kind == LocationKind.silo).order_by(Location.id)
    if warehouse_id is not None:
        cells_stmt = cells_stmt.where(Location.warehouse_id == warehouse_id)
    rows = []
    for cell in session.scalars(cells_stmt):
        running = session.scalar(
            select(SiloBatch).where(SiloBatch.location_id == cell.id, SiloBatch.closed_at.is_(None))
        )
        quantity = session.scalar(
            select(func.coalesce(func.sum(StockLevel.quantity), 0)).where(
                StockLevel.location_id == cell.id
            )
        ) or Decimal(0)
        lots: list[SiloLotRow] = []
        quality: list[tuple[Analysis | None, Decimal]] = []
        batch_no = None
        if running is not None:
            batch_no = session.scalar(select(Batch.batch_no).where(Batch.id == running.batch_id))
            for link, lot, supplier, ticket in session.execute(
                select(BatchLink, Batch, Supplier, Ticket)
                .join(Batch, Batch.id == BatchLink.parent_batch_id)
                .outerjoin(Supplier, Supplier.id == Batch.supplier_id)
                .outerjoin(Ticket, Ticket.lot_batch_id == Batch.id)
                .where(BatchLink.child_batch_id == running.batch_id, BatchLink.voided_at.is_(None))
                .order_by(BatchLink.id)
            ):
                lots.append(
                    SiloLotRow(
                        supplier_id=supplier.id if supplier else None,
                        supplier_name=supplier.name if supplier else None,
                        lot_batch_id=lot.id,
                        batch_no=lot.batch_no,
                        quantity_kg=link.quantity,
                    )
                )
                analysis = (
                    session.scalar(
                        select(Analysis)
                        .where(Analysis.ticket_id == ticket.id)
                        .order_by(Analysis.id.desc())
                    )
                    if ticket
                    else None
                )
                quality.append((analysis, link.quantity))
        rows.append(
            SiloContentRow(
                location_id=cell.id,
                location_code=cell.code,
                warehouse_id=cell.warehouse_id,
                silo_batch_id=running.batch_id if running else None,
                batch_no=batch_no,
                quantity_kg=quantity,
                lots=lots,
                average_moisture=_weighted([(a.moisture if a else None, q) for a, q in quality]),
                average_protein=_weighted([(a.protein if a else None, q) for a, q in quality]),
                average_hectolitre_weight=_weighted(
                    [(a.hectolitre_weight if a else None, q) for a, q in quality]
                ),
            )
        )
    return rows


def open_contracts(session: Session, supplier_id: int | None = None) -> list[OpenContractRow]:
    """Open contracts with what was delivered (allocated) and what is still open."""
    stmt = select(Contract).where(Contract.status == ContractStatus.open).order_by(Contract.id)
    if supplier_id is not None:
        stmt = stmt.where(Contract.supplier_id == supplier_id)
    contracts = list(session.scalars(stmt))
    delivered = allocated_kg(session, [c.id for c in contracts])
    rows = []
    for c in contracts:
        done = delivered.get(c.id, Decimal(0))
        rows.append(
            OpenContractRow(
                contract_id=c.id,
                contract_no=c.contract_no,
                supplier_id=c.supplier_id,
                item_id=c.item_id,
                quantity_t=c.quantity_t,
                delivered_kg=done,
                open_kg=max(c.quantity_t * rules.THOUSAND - done, Decimal(0)),
                delivery_to=c.delivery_to,
            )
        )
    return rows


def unsettled_tickets(session: Session, supplier_id: int | None = None) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(Ticket.status == TicketStatus.taken_in, Ticket.settlement_id.is_(None))
        .order_by(Ticket.supplier_id, Ticket.id)
    )
    if supplier_id is not None:
        stmt = stmt.where(Ticket.supplier_id == supplier_id)
    return list(session.scalars(stmt))


def farmers_of(session: Session, batch_id: int) -> list[FarmerTraceRow]:
    """The farmers' lots (and tickets) among a batch's ancestors — e.g. of a compound feed
    batch made from silo batches: every farmer whose grain went into those silos."""
    get_batch(session, batch_id)
    ancestors = [
        t.batch_id for t in genealogy.trace(session, batch_id, genealogy.Direction.backward)
    ]
    ids = [batch_id, *ancestors]
    rows = session.execute(
        select(Ticket, Supplier)
        .join(Supplier, Supplier.id == Ticket.supplier_id)
        .where(Ticket.lot_batch_id.in_(ids), Ticket.status == TicketStatus.taken_in)
        .order_by(Supplier.supplier_no, Ticket.id)
    )
    return [
        FarmerTraceRow(
            supplier_id=supplier.id,
            supplier_no=supplier.supplier_no,
            supplier_name=supplier.name,
            ticket_id=ticket.id,
            ticket_no=ticket.ticket_no,
            lot_batch_id=ticket.lot_batch_id,
            settlement_kg=ticket.settlement_kg,
            taken_in_on=ticket.taken_in_on,
        )
        for ticket, supplier in rows
    ]
