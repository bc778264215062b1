"""Invoice documents: issue N invoices (each rendered and stored as PDF, ZUGFeRD PDF/A-3 and
XRechnung at issue), then render N invoices again as PDF and XRechnung from the database.

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/documents.py [--invoices 1000] [--lines 10]

The goal of issue 14: rendering 1 000 invoices as PDF and as XRechnung takes at most 60 s on
PostgreSQL. Runs migrations, enters the company (unless one is there) and creates its own
items (received once) and customer. Prints one JSON line
per phase; ``per_1000_s`` extrapolates linearly. The render phase also reports the CPU time
it used (``cpu_per_1000_s``), which a machine shared with other work inflates less than the
wall-clock time, and the load average. Use a scratch database: the invoices stay.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from benchmarks.order_to_cash import BENCH_COMPANY
from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.company.service import get_company, put_company
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.documents.einvoice import render_cii
from landkontor.documents.invoice_view import invoice_view
from landkontor.documents.invoices import render_invoice_pdf
from landkontor.documents.issue import register_invoice_documents
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import MovementType
from landkontor.inventory.posting import PostingLine, post_movement
from landkontor.inventory.schemas import LocationCreate, WarehouseCreate
from landkontor.partners.schemas import CustomerCreate
from landkontor.partners.service import create_customer
from landkontor.sales.deliveries import deliver
from landkontor.sales.invoicing import get_invoice, invoice_order
from landkontor.sales.orders import confirm_order, create_order
from landkontor.sales.schemas import DeliveryCreate, InvoiceCreate, SalesOrderCreate
from landkontor.settings import get_settings


def setup(db, tag: str, invoices: int, lines: int) -> tuple[int, list[int], int]:
    with db.session() as s:
        if get_company(s) is None or not get_company(s).iban:
            put_company(s, BENCH_COMPANY)
        wh = create_warehouse(s, WarehouseCreate(code=f"D{tag}", name="Benchmark"))
        hall = create_location(s, LocationCreate(warehouse_id=wh.id, code="HALLE", name="Halle"))
        items = [
            create_item(
                s,
                ItemCreate(
                    item_no=f"D{tag}-{n}",
                    name=f"Artikel {n} Mischfutter für Milchkühe",
                    base_unit="kg",
                    base_price=Decimal("0.83") + n,
                    vat_category="reduced" if n % 2 else "standard",
                ),
            ).id
            for n in range(4)
        ]
        stock = Decimal(invoices * lines * 20)
        post_movement(
            s,
            MovementType.receipt,
            [PostingLine(item, hall.id, stock, unit_cost=Decimal("0.5")) for item in items],
            actor="bench",
        )
        customer = create_customer(
            s,
            CustomerCreate(
                customer_no=f"D{tag}-K",
                name="Hof Benchmark",
                street="Dorfstraße 3",
                postal_code="29336",
                city="Nienhagen",
                payment_days=30,
                cash_discount_percent=Decimal(2),
                cash_discount_days=10,
            ),
        )
        return wh.id, items, customer.id


def issue(db, wh: int, items: list[int], customer: int, count: int, lines: int) -> list[int]:
    ids = []
    with db.session() as s:
        for _ in range(count):
            order = create_order(
                s,
                SalesOrderCreate(
                    customer_id=customer,
                    warehouse_id=wh,
                    lines=[
                        {"item_id": items[n % len(items)], "quantity": Decimal(5 + n)}
                        for n in range(lines)
                    ],
                ),
                actor="bench",
            )
            confirm_order(s, order.id, actor="bench")
            deliver(s, order.id, DeliveryCreate(), actor="bench")
            ids.append(invoice_order(s, order.id, InvoiceCreate(), actor="bench").id)
    return ids


def render(db, ids: list[int]) -> int:
    size = 0
    with db.session() as s:
        for invoice_id in ids:
            view = invoice_view(s, get_invoice(s, invoice_id))
            size += len(render_invoice_pdf(view)) + len(render_cii(view, xrechnung=True))
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    args = parser.parse_args()
    settings = get_settings()
    db = get_database(settings)
    migrate.upgrade(db)
    register_invoice_documents()  # invoices are issued with their documents
    wh, items, customer = setup(db, uuid.uuid4().hex[:6], args.invoices, args.lines)
    started = time.perf_counter()
    ids = issue(db, wh, items, customer, args.invoices, args.lines)
    issued = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "documents.issue",
                "dialect": db.dialect,
                "invoices": args.invoices,
                "lines": args.lines,
                "seconds": round(issued, 2),
                "per_1000_s": round(issued / args.invoices * 1000, 1),
                "includes": "order, confirm, delivery, invoice; PDF, ZUGFeRD, XRechnung stored",
            }
        )
    )
    started, cpu = time.perf_counter(), time.process_time()
    size = render(db, ids)
    rendered, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "benchmark": "documents.render",
                "dialect": db.dialect,
                "invoices": args.invoices,
                "lines": args.lines,
                "seconds": round(rendered, 2),
                "per_invoice_ms": round(rendered / args.invoices * 1000, 1),
                "per_1000_s": round(rendered / args.invoices * 1000, 1),
                "cpu_seconds": round(cpu, 2),
                "cpu_per_1000_s": round(cpu / args.invoices * 1000, 1),
                "load_average": round(os.getloadavg()[0], 1),
                "goal_per_1000_s": 60,
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main()
