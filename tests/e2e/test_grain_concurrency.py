"""Harvest rush on PostgreSQL: two weighbridges of one site take in loads at the same time
(threads with their own sessions, through the service layer). Ticket numbers of the site
and settlement numbers stay gapless, failed tickets give their number back, and the stock
adds up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from landkontor.errors import DomainError
from landkontor.grain import intake, settlement, tickets
from landkontor.grain.models import Settlement, Ticket
from landkontor.grain.schemas import AnalysisIn, SettlementCreate, TicketCreate, WeighingIn
from landkontor.inventory.models import StockLevel
from landkontor.inventory.verify import verify_stock
from tests.grain_support import Harvest
from tests.helpers import requires_postgres, run_parallel

pytestmark = requires_postgres

LOADS = 12


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def _weighing(bridge: int, n: int, kg: int) -> WeighingIn:
    at = datetime(2026, 7, 20, 8, tzinfo=UTC) + timedelta(minutes=n)
    return WeighingIn(weight_kg=D(kg), record_no=f"B{bridge}-{n}", weighed_at=at)


def test_two_weighbridges_at_once_keep_ticket_and_settlement_numbers_gapless(harvest, db):
    second = harvest.post_manager(
        "/grain/weighbridges", {"warehouse_id": harvest.site["id"], "code": "W2", "name": "Waage 2"}
    )
    bridges = [harvest.bridge["id"], second["id"]]
    farmers = [harvest.farmer(name=f"Hof {n}")["id"] for n in range(2)]
    cells = [c["id"] for c in harvest.cells[:2]]
    failures = [0, 0]

    def weigh_in(n: int) -> None:
        with db.session() as session:
            for load in range(LOADS):
                body = TicketCreate(
                    weighbridge_id=bridges[n],
                    supplier_id=farmers[n],
                    item_id=harvest.wheat["id"],
                    vehicle_plate=f"CE-{n} {load}",
                    gross=_weighing(n, 2 * load, 40000),
                    tare=_weighing(n, 2 * load + 1, 15000 + load),
                )
                ticket = tickets.create_ticket(session, body, actor="waage")
                if load % 4 == 3:
                    # The same scale record again: refused after the number was drawn; the
                    # rollback gives the number back.
                    try:
                        tickets.create_ticket(session, body, actor="waage")
                    except DomainError:
                        failures[n] += 1
                sample = AnalysisIn(moisture=D("15.5"), foreign_matter=D("2.5"))
                tickets.add_analysis(session, ticket.id, sample, actor="labor")
                # Both weighbridges tip alternately into both cells.
                intake.take_in(session, ticket.id, cells[(n + load) % 2], actor="waage")

    run_parallel(2, weigh_in)
    assert failures == [LOADS // 4, LOADS // 4]
    with db.session() as session:
        numbers = sorted(session.scalars(select(Ticket.ticket_no)))
        year = datetime.now(UTC).year
        assert numbers == [f"WS-NORD-{year}-{n:06d}" for n in range(1, 2 * LOADS + 1)]
        settled_kg = session.scalar(select(func.sum(Ticket.settlement_kg)))
        in_silos = session.scalar(
            select(func.sum(StockLevel.quantity)).where(StockLevel.location_id.in_(cells))
        )
        assert settled_kg == in_silos and in_silos > 0
        assert verify_stock(session) == []
        ids = {
            farmer: list(session.scalars(select(Ticket.id).where(Ticket.supplier_id == farmer)))
            for farmer in farmers
        }

    def settle(n: int) -> None:
        with db.session() as session:
            for ticket_id in ids[farmers[n]]:
                data = SettlementCreate(supplier_id=farmers[n], ticket_ids=[ticket_id])
                settlement.settle(session, data, actor="buchhaltung")

    run_parallel(2, settle)
    with db.session() as session:
        notes = sorted(session.scalars(select(Settlement.settlement_no)))
        assert notes == [f"GU-{year}-{n:06d}" for n in range(1, 2 * LOADS + 1)]
