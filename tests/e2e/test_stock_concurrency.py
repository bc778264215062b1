"""Parallel clients on PostgreSQL: no lost updates, never negative, idempotent under races."""

import random
import threading
from decimal import Decimal as D

from sqlalchemy import func, select

from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.inventory import reservations
from landkontor.inventory.errors import InsufficientStock
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import LedgerEntry, MovementType, StockLevel, StockMovement
from landkontor.inventory.posting import PostingLine, post_movement, post_request
from landkontor.inventory.schemas import LocationCreate, MovementIn, WarehouseCreate
from landkontor.inventory.verify import verify_stock
from tests.helpers import requires_postgres, run_parallel

pytestmark = requires_postgres

THREADS = 8
OPS_PER_THREAD = 40


def _setup(db):
    with db.session() as s:
        wh = create_warehouse(s, WarehouseCreate(code="KONK", name="Konkurrenz"))
        loc = create_location(
            s, LocationCreate(warehouse_id=wh.id, code="SILO", name="Silo", kind="silo")
        )
        item = create_item(s, ItemCreate(item_no="GERSTE", name="Gerste", base_unit="t"))
        return wh.id, loc.id, item.id


def test_parallel_receipts_and_issues_never_lose_updates_or_go_negative(db):
    _, loc, item = _setup(db)
    outcome = {"posted": 0, "rejected": 0}
    lock = threading.Lock()

    def worker(n):
        rng = random.Random(n)
        with db.session() as s:
            for _ in range(OPS_PER_THREAD):
                receipt = rng.random() < 0.5
                quantity = D(rng.randint(1, 20))
                line = PostingLine(
                    item_id=item,
                    location_id=loc,
                    quantity=quantity,
                    unit_cost=D(rng.randint(100, 300)) if receipt else None,
                )
                try:
                    post_movement(
                        s,
                        MovementType.receipt if receipt else MovementType.issue,
                        [line],
                        actor=f"thread-{n}",
                    )
                    key = "posted"
                except InsufficientStock:
                    key = "rejected"
                with lock:
                    outcome[key] += 1

    run_parallel(THREADS, worker)
    with db.session() as s:
        assert verify_stock(s) == []
        level = s.scalar(select(StockLevel.quantity).where(StockLevel.item_id == item))
        ledger_sum = s.scalar(
            select(func.sum(LedgerEntry.quantity)).where(LedgerEntry.item_id == item)
        )
        assert level == ledger_sum and level >= 0
        assert s.scalar(select(func.count()).select_from(StockMovement)) == outcome["posted"]
        running = D(0)
        for quantity in s.scalars(select(LedgerEntry.quantity).order_by(LedgerEntry.id)):
            running += quantity
            assert running >= 0, "the ledger went negative at some point"
    assert outcome["posted"] + outcome["rejected"] == THREADS * OPS_PER_THREAD
    assert outcome["rejected"] > 0, "the test should exercise the negative-stock rule"


def test_parallel_requests_with_one_idempotency_key_post_once(db):
    _, loc, item = _setup(db)
    results = []

    def worker(n):
        with db.session() as s:
            body = MovementIn.model_validate(
                {"type": "receipt", "lines": [{"item_id": item, "location_id": loc, "quantity": 7}]}
            )
            movement, _ = post_request(s, body, actor="x", key="same-key")
            results.append(movement.id)

    run_parallel(THREADS, worker)
    assert len(set(results)) == 1
    with db.session() as s:
        assert s.scalar(select(func.sum(LedgerEntry.quantity))) == 7


def test_parallel_reservations_never_promise_more_than_available(db):
    wh, loc, item = _setup(db)
    with db.session() as s:
        post_movement(
            s,
            MovementType.receipt,
            [PostingLine(item_id=item, location_id=loc, quantity=D(50))],
            actor="x",
        )
    granted = []

    def worker(n):
        with db.session() as s:
            for line in range(5):
                try:
                    reservations.reserve(
                        s,
                        item_id=item,
                        warehouse_id=wh,
                        quantity=D(3),
                        document_type="sales_order",
                        document_id=n,
                        document_line_id=line,
                    )
                    s.commit()
                    granted.append(3)
                except InsufficientStock:
                    s.rollback()

    run_parallel(THREADS, worker)
    assert sum(granted) == 48
    with db.session() as s:
        assert reservations.availability(s, item, wh).available == 2
