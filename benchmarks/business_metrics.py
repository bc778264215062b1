"""Cost of the business gauges on /metrics on a grown database.

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/business_metrics.py [--items 5000] [--batches 200000] \
        [--orders 50000]

Migrates, then bulk-inserts items with their moving-average costs, batches (0.5 % blocked,
0.1 % recalled, one stock level each, one in ten not empty) and sales orders (2 % open,
the rest closed) under fresh numbers, and times one computation of the business gauges
(the three queries behind them, as a scrape after the refresh interval runs them). Prints
one JSON line. Use a scratch database: the rows stay.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from landkontor.api.business_metrics import BusinessCollector
from landkontor.catalog.models import Item, Unit
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.db.types import utcnow
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    BatchStatus,
    ItemCost,
    Location,
    LocationKind,
    StockLevel,
    Warehouse,
)
from landkontor.partners.models import Customer
from landkontor.sales.models import SalesOrder, SalesOrderStatus
from landkontor.settings import get_settings

CHUNK = 10_000


def insert_chunked(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def inserted_ids(session, model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` and return their new ids in the same order."""
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def batch_status(n: int) -> BatchStatus:
    if n % 1000 == 0:
        return BatchStatus.recalled
    if n % 200 == 0:
        return BatchStatus.blocked
    return BatchStatus.released


def seed(database, items: int, batches: int, orders: int) -> None:
    run = uuid.uuid4().hex[:8]
    today, now = date.today(), utcnow()
    with database.session() as session:
        kg = session.scalar(select(Unit.id).where(Unit.code == "kg"))
        warehouse = Warehouse(code=f"B-{run}", name="Bench")
        session.add(warehouse)
        session.flush()
        location = Location(
            warehouse_id=warehouse.id, code="L", name="Platz", kind=LocationKind.bin, path="/"
        )
        customer = Customer(customer_no=f"B-{run}", name="Bench")
        session.add_all([location, customer])
        session.flush()
        item_rows = [
            {"item_no": f"B-{run}-{n}", "name": "Bench", "base_unit_id": kg, "batch_managed": True}
            for n in range(items)
        ]
        item_ids = inserted_ids(session, Item, item_rows)
        insert_chunked(
            session,
            ItemCost,
            [
                {"item_id": i, "quantity": 100, "value": Decimal("123.45"), "average_cost": 1}
                for i in item_ids
            ],
        )
        batch_rows = [
            {
                "item_id": item_ids[n % items],
                "batch_no": f"{run}-{n}",
                "origin": BatchOrigin.receipt,
                "best_before": today - timedelta(days=n % 1500),
                "status": batch_status(n),
            }
            for n in range(batches)
        ]
        batch_ids = inserted_ids(session, Batch, batch_rows)
        insert_chunked(
            session,
            StockLevel,
            [
                {
                    "item_id": row["item_id"],
                    "location_id": location.id,
                    "batch_id": batch_id,
                    "batch_key": batch_id,
                    "quantity": 5 if n % 10 == 0 else 0,
                }
                for n, (row, batch_id) in enumerate(zip(batch_rows, batch_ids, strict=True))
            ],
        )
        insert_chunked(
            session,
            SalesOrder,
            [
                {
                    "order_no": f"B-{run}-{n}",
                    "customer_id": customer.id,
                    "warehouse_id": warehouse.id,
                    "status": SalesOrderStatus.draft if n % 50 == 0 else SalesOrderStatus.closed,
                    "order_date": today,
                    "created_by": "bench",
                    "created_at": now,
                }
                for n in range(orders)
            ],
        )
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--batches", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    database = get_database(get_settings())
    migrate.upgrade(database)
    started = time.perf_counter()
    seed(database, args.items, args.batches, args.orders)
    seeded = time.perf_counter() - started
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.exec_driver_sql("ANALYZE")
    collector = BusinessCollector(database, refresh_seconds=0)
    durations, families = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        families = list(collector.collect())
        durations.append(time.perf_counter() - started)
    values = {
        sample.name + (f"{{{sample.labels['status']}}}" if sample.labels else ""): sample.value
        for family in families
        for sample in family.samples
    }
    print(
        json.dumps(
            {
                "benchmark": "business_metrics",
                "database": database.dialect,
                "seeded": {"items": args.items, "batches": args.batches, "orders": args.orders},
                "seed_seconds": round(seeded, 1),
                "runs": args.runs,
                "compute_median_ms": round(statistics.median(durations) * 1e3, 2),
                "compute_max_ms": round(max(durations) * 1e3, 2),
                "gauges": values,
            }
        )
    )


if __name__ == "__main__":
    main()
