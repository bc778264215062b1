"""What the weighbridge clerk picks from and looks at: weighbridges with their site, the
crops that have quality terms, farmers by number or name, the silo cells of a site, and the
day's tickets. Read-only queries; every change goes through tickets, intake and settlement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.clock import business_today, end_of_business_day
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate_rows
from landkontor.db.session import settings_of
from landkontor.grain.errors import UnknownFarmer
from landkontor.grain.models import QualityTerms, Ticket, TicketStatus, Weighbridge
from landkontor.inventory.models import Location, LocationKind, Warehouse
from landkontor.partners.models import Supplier

FARMER_MATCHES = 20


@dataclass(frozen=True)
class BridgeChoice:
    id: int
    warehouse_id: int
    label: str  # "NORD Nordhafen · W1 Waage 1"


@dataclass(frozen=True)
class DayTicket:
    id: int
    ticket_no: str
    status: TicketStatus
    site: str
    farmer: str
    crop: str
    vehicle_plate: str
    net_kg: Decimal | None
    settlement_kg: Decimal | None
    cell: str | None


def weighbridges(session: Session) -> list[BridgeChoice]:
    rows = session.execute(
        select(Weighbridge, Warehouse)
        .join(Warehouse, Warehouse.id == Weighbridge.warehouse_id)
        .order_by(Warehouse.code, Weighbridge.code)
    )
    return [BridgeChoice(b.id, w.id, f"{w.code} {w.name} · {b.code} {b.name}") for b, w in rows]


def crops(session: Session) -> list[Item]:
    """Items that have quality terms: what a truck may bring."""
    with_terms = select(QualityTerms.item_id).distinct()
    return list(session.scalars(select(Item).where(Item.id.in_(with_terms)).order_by(Item.name)))


def find_farmers(session: Session, text: str, limit: int = FARMER_MATCHES) -> list[Supplier]:
    """Farmers (suppliers, not blocked) whose number or name contains ``text``."""
    stmt = select(Supplier).where(Supplier.blocked.is_(False)).order_by(Supplier.name)
    text = text.strip()
    if text:
        pattern = f"%{text}%"
        stmt = stmt.where(or_(Supplier.supplier_no.ilike(pattern), Supplier.name.ilike(pattern)))
    return list(session.scalars(stmt.limit(limit)))


def farmer_by_number(session: Session, supplier_no: str, *, field: str) -> Supplier:
    """The farmer with exactly this supplier number; UnknownFarmer (422) naming ``field``."""
    supplier = session.scalar(select(Supplier).where(Supplier.supplier_no == supplier_no.strip()))
    if supplier is None:
        raise UnknownFarmer(f"no farmer has the number {supplier_no!r}", field=field)
    return supplier


def silo_cells(session: Session, warehouse_id: int) -> list[Location]:
    return list(
        session.scalars(
            select(Location)
            .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.silo)
            .order_by(Location.path)
        )
    )


def tickets_of_day(
    session: Session, params: PageParams, day: date | None = None
) -> tuple[list[DayTicket], int]:
    """One page of the tickets opened on ``day`` (default today, in the company's time
    zone), newest first, with farmer, crop and cell; and how many there are."""
    settings = settings_of(session)
    day = day or business_today(settings)
    start = end_of_business_day(day - timedelta(days=1), settings)
    end = end_of_business_day(day, settings)
    stmt = (
        select(Ticket, Supplier.name, Item.name, Warehouse.code, Location.code)
        .join(Supplier, Supplier.id == Ticket.supplier_id)
        .join(Item, Item.id == Ticket.item_id)
        .join(Warehouse, Warehouse.id == Ticket.warehouse_id)
        .outerjoin(Location, Location.id == Ticket.location_id)
        .where(Ticket.created_at > start, Ticket.created_at <= end)
        .order_by(Ticket.id.desc())
    )
    rows, total = paginate_rows(session, stmt, params)
    tickets = [
        DayTicket(
            t.id,
            t.ticket_no,
            t.status,
            site,
            farmer,
            crop,
            t.vehicle_plate,
            t.net_kg,
            t.settlement_kg,
            cell,
        )
        for t, farmer, crop, site, cell in rows
    ]
    return tickets, total


def farmer_label(session: Session, supplier_id: int) -> str:
    supplier = fetch(session, Supplier, supplier_id, kind="supplier")
    return f"{supplier.supplier_no} {supplier.name}"


def crop_label(session: Session, item_id: int) -> str:
    item = fetch(session, Item, item_id, kind="item")
    return f"{item.item_no} {item.name}"


def location_code(session: Session, location_id: int | None) -> str | None:
    if location_id is None:
        return None
    return fetch(session, Location, location_id, kind="location").code
