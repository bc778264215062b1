"""Batch trace speed on a large genealogy (recursive CTE in the database).

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/trace.py [--chains 7000] [--raw 30000] [--samples 200]

Builds, with bulk inserts, a genealogy of raw-material batches and production chains of
depth 10 with fan-in 3: every chain batch is made from the previous batch of its chain and
two raw batches (the first from three raw batches), the raw batches drawn at random from the
pool, so raw batches feed several chains. With the defaults that is 100 000 batches and
210 000 links. Then times backward traces from chain ends and forward traces from raw
batches: the genealogy walk alone (one recursive query) and the whole trace answer of
`GET /api/v1/batches/{id}/trace` (plus suppliers, receipts, deliveries). Prints one JSON
line. Use a scratch database.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import insert, select

from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.inventory.genealogy import Direction, trace
from landkontor.inventory.models import Batch, BatchLink
from landkontor.production.trace import trace as trace_report
from landkontor.settings import get_settings

DEPTH = 10
CHUNK = 10_000


def build(db, chains: int, raw: int, rng: random.Random) -> tuple[list[int], list[int]]:
    tag = uuid.uuid4().hex[:6]
    with db.session() as s:
        raw_item = create_item(
            s, ItemCreate(item_no=f"TR-RAW-{tag}", name="raw", base_unit="kg", batch_managed=True)
        )
        feed_item = create_item(
            s, ItemCreate(item_no=f"TR-FEED-{tag}", name="feed", base_unit="kg", batch_managed=True)
        )
        raw_item_id, feed_item_id = raw_item.id, feed_item.id
    now = datetime.now(UTC)

    def batch_rows(item_id, prefix, count):
        return [
            {
                "item_id": item_id,
                "batch_no": f"{prefix}-{n}",
                "origin": "receipt",
                "status": "released",
                "attributes": {},
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]

    def insert_batches(conn, rows):
        ids = []
        for start in range(0, len(rows), CHUNK):
            result = conn.execute(
                insert(Batch.__table__).returning(
                    Batch.__table__.c.id, sort_by_parameter_order=True
                ),
                rows[start : start + CHUNK],
            )
            ids.extend(r[0] for r in result)
        return ids

    with db.engine.begin() as conn:
        raw_ids = insert_batches(conn, batch_rows(raw_item_id, f"R{tag}", raw))
        chain_ids = insert_batches(conn, batch_rows(feed_item_id, f"C{tag}", chains * DEPTH))
        links = []
        for c in range(chains):
            previous = None
            for level in range(DEPTH):
                child = chain_ids[c * DEPTH + level]
                parents = rng.sample(raw_ids, 2 if previous else 3)
                if previous:
                    parents.append(previous)
                for parent in parents:
                    links.append(
                        {
                            "parent_batch_id": parent,
                            "child_batch_id": child,
                            "quantity": Decimal(100),
                            "document_type": "benchmark",
                            "document_id": c,
                            "created_at": now,
                        }
                    )
                previous = child
        for start in range(0, len(links), CHUNK):
            conn.execute(insert(BatchLink.__table__), links[start : start + CHUNK])
    ends = [chain_ids[c * DEPTH + DEPTH - 1] for c in range(chains)]
    return ends, raw_ids


def timed(db, batch_ids, direction, function=trace):
    times, sizes = [], []
    with db.session() as s:
        for batch_id in batch_ids:
            started = time.perf_counter()
            found = function(s, batch_id, direction)
            times.append((time.perf_counter() - started) * 1000)
            sizes.append(len(found) if isinstance(found, list) else len(found.batches))
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
        "mean_batches_found": round(statistics.mean(sizes), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chains", type=int, default=7000)
    parser.add_argument("--raw", type=int, default=30000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    db = get_database(get_settings())
    migrate.upgrade(db)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    ends, raw_ids = build(db, args.chains, args.raw, rng)
    build_s = time.perf_counter() - started
    with db.engine.begin() as conn:  # ANALYZE inside a rolled-back transaction is lost
        if db.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE batch_links")
            conn.exec_driver_sql("ANALYZE batches")
        total_links = conn.execute(
            select(BatchLink.id).order_by(BatchLink.id.desc()).limit(1)
        ).scalar()
    ends_sample = rng.sample(ends, min(args.samples, len(ends)))
    raw_sample = rng.sample(raw_ids, min(args.samples, len(raw_ids)))
    backward = timed(db, ends_sample, Direction.backward)
    forward = timed(db, raw_sample, Direction.forward)
    # The whole answer of GET /batches/{id}/trace: batches, suppliers, receipts, deliveries.
    report_backward = timed(db, ends_sample, Direction.backward, trace_report)
    report_forward = timed(db, raw_sample, Direction.forward, trace_report)
    print(
        json.dumps(
            {
                "database": db.dialect,
                "batches": args.raw + args.chains * DEPTH,
                "links_in_table": total_links,
                "depth": DEPTH,
                "fan_in": 3,
                "build_s": round(build_s, 1),
                "backward": backward,
                "forward": forward,
                "trace_report_backward": report_backward,
                "trace_report_forward": report_forward,
            }
        )
    )


if __name__ == "__main__":
    main()
