"""Production orders end to end through the service layer: create → release → consume (FEFO)
→ output (complete) per order, one client; orders/s, CPU and SQL statements per order.

    LANDKONTOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        .venv/bin/python -m benchmarks.production_orders [--orders 200] [--rounds 3] [--quick]

Migrates the database and creates its own items (three batch-managed raw materials with
stock in two batches each, a compound feed with a recipe; unique numbers: use a scratch
database, the ledger keeps the postings). Prints one JSON line per round, then the medians
and the stock check (levels and values equal the ledger). ``--quick``: 30 orders, one round.
The issue's anchor: Tryton 8.2 productions, 3.3/s on the same kind of machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event

from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import MovementType
from landkontor.inventory.posting import post_request
from landkontor.inventory.schemas import (
    LocationCreate,
    MovementIn,
    MovementLineIn,
    NewBatch,
    WarehouseCreate,
)
from landkontor.inventory.verify import verify_stock
from landkontor.production import orders
from landkontor.production.boms import create_bom
from landkontor.production.schemas import (
    BomCreate,
    BomLineIn,
    ConsumptionIn,
    OrderCreate,
    OutputIn,
)
from landkontor.settings import get_settings

ORDER_QUANTITY = Decimal(500)


def setup(db, tag: str, orders_total: int) -> tuple[int, int, int]:
    """A mill with three raw materials (enough for every order) and a compound feed."""
    need = orders_total * ORDER_QUANTITY
    with db.session() as s:
        wh = create_warehouse(s, WarehouseCreate(code=f"P{tag}", name="Mühle"))
        raw = create_location(s, LocationCreate(warehouse_id=wh.id, code="ROH", name="Roh"))
        out = create_location(s, LocationCreate(warehouse_id=wh.id, code="FERTIG", name="Fertig"))
        materials = [
            create_item(
                s,
                ItemCreate(item_no=f"P{tag}-{name}", name=name, base_unit="kg", batch_managed=True),
            )
            for name in ("WEIZEN", "SOJA", "MINERAL")
        ]
        feed = create_item(
            s,
            ItemCreate(
                item_no=f"P{tag}-MF", name="Mischfutter", base_unit="kg", batch_managed=True
            ),
        )
        lines = [
            MovementLineIn(
                item_id=item.id,
                quantity=need,
                location_id=raw.id,
                unit_cost=Decimal("0.3"),
                batch=NewBatch(
                    batch_no=f"{tag}-{item.id}-{n}",
                    best_before=date.today() + timedelta(days=100 + 50 * n),
                ),
            )
            for item in materials
            for n in range(2)
        ]
        post_request(s, MovementIn(type=MovementType.receipt, lines=lines), actor="bench", key=None)
        create_bom(
            s,
            BomCreate(
                item_id=feed.id,
                output_quantity=Decimal(1000),
                lines=[
                    BomLineIn(item_id=materials[0].id, quantity=Decimal(600)),
                    BomLineIn(item_id=materials[1].id, quantity=Decimal(350)),
                    BomLineIn(item_id=materials[2].id, quantity=Decimal(50), loss_percent=2),
                ],
            ),
        )
        return wh.id, out.id, feed.id


def one_order(s, wh: int, out: int, feed: int) -> None:
    order = orders.create_order(
        s,
        OrderCreate(item_id=feed, quantity=ORDER_QUANTITY, warehouse_id=wh, output_location_id=out),
        actor="bench",
    )
    orders.release_order(s, order.id, strict=True, actor="bench")
    orders.consume(s, order.id, ConsumptionIn(), actor="bench")
    orders.post_output(s, order.id, OutputIn(quantity=ORDER_QUANTITY, complete=True), actor="bench")


def run_round(db, wh: int, out: int, feed: int, count: int) -> dict[str, float]:
    statements = [0]

    def counting(*_args) -> None:
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", counting)
    try:
        with db.session() as s:
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(count):
                one_order(s, wh, out, feed)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        event.remove(db.engine, "before_cursor_execute", counting)
    return {
        "orders": count,
        "orders_per_s": round(count / wall, 2),
        "client_cpu_ms_per_order": round(cpu * 1000 / count, 2),
        "statements_per_order": round(statements[0] / count, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="30 orders, one round")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.rounds = 30, 1
    db = get_database(get_settings())
    migrate.upgrade(db)
    wh, out, feed = setup(db, uuid.uuid4().hex[:6], args.orders * args.rounds + 5)
    with db.session() as s:  # warm-up: caches, prepared statements
        for _ in range(3):
            one_order(s, wh, out, feed)
    rounds = []
    for number in range(1, args.rounds + 1):
        result = {"round": number, **run_round(db, wh, out, feed, args.orders)}
        result["load"] = round(os.getloadavg()[0], 2)
        rounds.append(result)
        print(json.dumps(result), flush=True)
    with db.session() as s:
        mismatches = verify_stock(s)
    summary = {
        "summary": "production_orders",
        "dialect": db.dialect,
        "rounds": len(rounds),
        **{
            key: statistics.median(r[key] for r in rounds)
            for key in ("orders_per_s", "client_cpu_ms_per_order", "statements_per_order")
        },
        "ratio_to_tryton_3_3_per_s": round(
            statistics.median(r["orders_per_s"] for r in rounds) / 3.3, 1
        ),
        "stock_mismatches": len(mismatches),
        "load": os.getloadavg(),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
