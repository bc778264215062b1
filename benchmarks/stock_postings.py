"""Stock posting throughput: service layer and HTTP, single client and N parallel clients.

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/stock_postings.py [--postings 2000] [--clients 8]

Runs migrations, creates its own items and locations (unique numbers), posts alternating
receipts and issues, and ends with the integrity check (levels == ledger). Prints one JSON
line. Use a scratch database: the postings stay in the ledger (it is append-only).
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
import uuid
from decimal import Decimal

import httpx
import uvicorn

from landkontor.api.app import create_app
from landkontor.auth.schemas import UserCreate
from landkontor.auth.security import create_access_token, resolve_secret_key
from landkontor.auth.service import create_user
from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.inventory.errors import InsufficientStock
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import MovementType
from landkontor.inventory.posting import PostingLine, post_movement
from landkontor.inventory.schemas import LocationCreate, WarehouseCreate
from landkontor.inventory.verify import verify_stock
from landkontor.settings import get_settings


def setup(db, tag):
    with db.session() as s:
        wh = create_warehouse(s, WarehouseCreate(code=f"B{tag}", name="Benchmark"))
        loc = create_location(s, LocationCreate(warehouse_id=wh.id, code="SILO", name="Silo"))
        items = [
            create_item(s, ItemCreate(item_no=f"B{tag}-{n}", name="Bench", base_unit="kg")).id
            for n in range(2)
        ]
        return loc.id, items


def service_rate(db, loc, item, count):
    with db.session() as s:
        started = time.perf_counter()
        for n in range(count):
            receipt = n % 2 == 0
            line = PostingLine(
                item_id=item,
                location_id=loc,
                quantity=Decimal(5),
                unit_cost=Decimal("1.25") if receipt else None,
            )
            post_movement(
                s, MovementType.receipt if receipt else MovementType.issue, [line], actor="bench"
            )
        return count / (time.perf_counter() - started)


def http_rate(db, settings, loc, item, count):
    with db.session() as s:
        user = create_user(
            s,
            UserCreate(
                username=f"bench-{uuid.uuid4().hex[:8]}", password="benchmark-pw", role="clerk"
            ),
        )
    from datetime import timedelta

    token, _ = create_access_token(
        user.id, 0, key=resolve_secret_key(settings), lifetime=timedelta(hours=1)
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, db), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        started = time.perf_counter()
        for n in range(count):
            body = {
                "type": "receipt" if n % 2 == 0 else "issue",
                "lines": [{"item_id": item, "location_id": loc, "quantity": "5"}],
            }
            response = client.post("/api/v1/stock/movements", json=body)
            response.raise_for_status()
        rate = count / (time.perf_counter() - started)
    server.should_exit = True
    thread.join()
    return rate


def concurrent_rate(db, loc, item, clients, per_client):
    posted, rejected = [0], [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def run(n):
        with db.session() as s:
            barrier.wait()
            for k in range(per_client):
                receipt = (n + k) % 2 == 0
                line = PostingLine(item_id=item, location_id=loc, quantity=Decimal(3))
                try:
                    post_movement(
                        s,
                        MovementType.receipt if receipt else MovementType.issue,
                        [line],
                        actor="bench",
                    )
                    with lock:
                        posted[0] += 1
                except InsufficientStock:
                    with lock:
                        rejected[0] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return (posted[0] + rejected[0]) / elapsed, posted[0], rejected[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--http-postings", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    settings = get_settings()
    db = get_database(settings)
    migrate.upgrade(db)
    tag = uuid.uuid4().hex[:6]
    loc, (item, other) = setup(db, tag)
    service = service_rate(db, loc, item, args.postings)
    http = http_rate(db, settings, loc, other, args.http_postings)
    concurrent, posted, rejected = concurrent_rate(
        db, loc, item, args.clients, args.postings // args.clients
    )
    with db.session() as s:
        mismatches = verify_stock(s)
    print(
        json.dumps(
            {
                "database": db.dialect,
                "service_postings_per_s": round(service, 1),
                "http_postings_per_s": round(http, 1),
                "concurrent_clients": args.clients,
                "concurrent_postings_per_s": round(concurrent, 1),
                "concurrent_posted": posted,
                "concurrent_rejected_insufficient": rejected,
                "integrity_ok": not mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()
