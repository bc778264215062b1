"""Order-to-cash throughput: create, confirm, deliver (FEFO) and invoice orders through the
service layer, one client and N parallel clients.

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/order_to_cash.py [--orders 400] [--clients 8]

Runs migrations and creates its own items, batches and customer (unique numbers); the stock
arrives through a purchase order. Ends with the checks: the year's invoice numbers have no
gaps or duplicates, and levels and values equal the ledger. Prints one JSON line. Use a
scratch database: the documents stay (invoices and the ledger are immutable).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.common.clock import business_today
from landkontor.company.schemas import CompanyIn
from landkontor.company.service import get_company, put_company
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.documents.issue import register_invoice_documents
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.schemas import LocationCreate, WarehouseCreate
from landkontor.inventory.verify import verify_stock
from landkontor.partners.schemas import CustomerCreate, SupplierCreate
from landkontor.partners.service import create_customer, create_supplier
from landkontor.purchasing.orders import create_order as create_purchase_order
from landkontor.purchasing.orders import place_order
from landkontor.purchasing.receipts import receive
from landkontor.purchasing.schemas import (
    GoodsReceiptCreate,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    ReceiptBatchIn,
    ReceiptLineIn,
)
from landkontor.sales.deliveries import deliver
from landkontor.sales.invoicing import invoice_order
from landkontor.sales.models import Invoice, InvoiceKind
from landkontor.sales.orders import confirm_order, create_order
from landkontor.sales.schemas import DeliveryCreate, InvoiceCreate, SalesOrderCreate
from landkontor.settings import get_settings

BATCHES = 20


BENCH_COMPANY = CompanyIn(
    legal_name="Landhandel Benchmark GmbH",
    street="Bahnhofstraße 1",
    postal_code="29221",
    city="Celle",
    vat_id="DE136695976",
    iban="DE89370400440532013000",
    phone="+49 5141 1",
    email="rechnung@example.org",
)


def setup(db, tag, orders):
    """A warehouse with a batch-managed feed (received in batches) and a customer."""
    with db.session() as s:
        if get_company(s) is None:  # invoices need the company's legally required data
            put_company(s, BENCH_COMPANY)
        wh = create_warehouse(s, WarehouseCreate(code=f"O{tag}", name="Benchmark"))
        loc = create_location(s, LocationCreate(warehouse_id=wh.id, code="HALLE", name="Halle"))
        feed = create_item(
            s,
            ItemCreate(
                item_no=f"O{tag}-F",
                name="Futter",
                base_unit="kg",
                batch_managed=True,
                base_price=Decimal("0.80"),
                vat_category="reduced",
            ),
        )
        supplier = create_supplier(s, SupplierCreate(supplier_no=f"O{tag}-L", name="Lieferant"))
        customer = create_customer(s, CustomerCreate(customer_no=f"O{tag}-K", name="Kunde"))
        per_batch = Decimal(orders * 30 // BATCHES + 30)
        purchase = create_purchase_order(
            s,
            PurchaseOrderCreate(
                supplier_id=supplier.id,
                lines=[
                    PurchaseOrderLineIn(
                        item_id=feed.id, quantity=per_batch * BATCHES, unit_price=Decimal("0.5")
                    )
                ],
            ),
            actor="bench",
        )
        place_order(s, purchase.id)
        line_id = purchase.lines[0].id
        for n in range(BATCHES):
            best_before = date.today() + timedelta(days=30 + n)
            receive(
                s,
                purchase.id,
                GoodsReceiptCreate(
                    location_id=loc.id,
                    lines=[
                        ReceiptLineIn(
                            order_line_id=line_id,
                            quantity=per_batch,
                            batch=ReceiptBatchIn(batch_no=f"B{n}", best_before=best_before),
                        )
                    ],
                ),
                actor="bench",
            )
        return wh.id, feed.id, customer.id


def order_to_cash(s, wh, item, customer):
    order = create_order(
        s,
        SalesOrderCreate(
            customer_id=customer,
            warehouse_id=wh,
            lines=[{"item_id": item, "quantity": Decimal(25)}],
        ),
        actor="bench",
    )
    confirm_order(s, order.id, actor="bench")
    deliver(s, order.id, DeliveryCreate(), actor="bench")
    invoice_order(s, order.id, InvoiceCreate(), actor="bench")


def single_rate(db, wh, item, customer, count):
    with db.session() as s:
        started = time.perf_counter()
        for _ in range(count):
            order_to_cash(s, wh, item, customer)
        return count / (time.perf_counter() - started)


def concurrent_rate(db, wh, item, customer, clients, per_client):
    barrier = threading.Barrier(clients)
    errors = []

    def run():
        with db.session() as s:
            barrier.wait()
            try:
                for _ in range(per_client):
                    order_to_cash(s, wh, item, customer)
            except Exception as exc:  # reported in the output
                errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients * per_client / (time.perf_counter() - started), errors


def numbers_gapless(db):
    year = business_today(get_settings()).year
    with db.session() as s:
        numbers = list(
            s.scalars(
                select(Invoice.number).where(
                    Invoice.kind == InvoiceKind.invoice, Invoice.number.like(f"RE-{year}-%")
                )
            )
        )
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    return sequence == list(range(1, len(sequence) + 1)), len(sequence)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    db = get_database(get_settings())
    migrate.upgrade(db)
    register_invoice_documents()  # invoices are issued with their documents
    wh, item, customer = setup(db, uuid.uuid4().hex[:6], args.orders)
    single = single_rate(db, wh, item, customer, args.orders // 2)
    concurrent, errors = concurrent_rate(
        db, wh, item, customer, args.clients, args.orders // 2 // args.clients
    )
    gapless, invoices = numbers_gapless(db)
    with db.session() as s:
        mismatches = verify_stock(s)
    print(
        json.dumps(
            {
                "database": db.dialect,
                "orders_to_cash_per_s_single_client": round(single, 1),
                "concurrent_clients": args.clients,
                "orders_to_cash_per_s_concurrent": round(concurrent, 1),
                "errors": errors[:3],
                "invoices_this_year": invoices,
                "invoice_numbers_gapless": gapless,
                "integrity_ok": not mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()
