"""Render time of the web pages against a database with data: Übersicht, Artikel, Lager, Chargen,
Lagerbewegungen, Inventur, Kunden, Lieferanten, Preise, Verkauf, Einkauf, Produktion,
Rückverfolgung, Getreideannahme, Jobs and System.

    LANDKONTOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/web_pages.py [--items 200] [--repeat 50]

Runs migrations and creates its own data through the service layer (unique numbers, so it can
run again on the same database): one site with ``--items`` // 10 halls of ten bins each,
``--items`` batch-managed items with three batches each (one expiring soon, one blocked)
received into the bins, a reorder point on every other item, an open stocktake of the last bin,
``--items`` // 10 weighing tickets of the day (each its own farmer), a premix made of the first
three items and a feed made of the premix and the fourth (``--items`` // 10 orders of each, all
but the last completed, so batches have two levels of genealogy), partners, price lists and
purchase orders (see ``build_trade``), ``--items`` // 10 customers with a sales order each
(confirmed; every other one delivered by FEFO and invoiced — the company record invoices need
is entered unless it is complete) and a few jobs (stored, not run). Then it requests each page
``--repeat`` times in-process through the whole application (middleware, session cookie,
templates) and prints one JSON line per page with p50 and p95 in
milliseconds, and the median CPU time of this process per request (``cpu_p50_ms``: the Python
side, which a busy machine inflates less than the wall-clock figures; the database's own time is
not in it). The service tile ("dienste") and the System page's services and doctor probe the
running services and are left out unless ``--with-health``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from landkontor.api.app import create_app
from landkontor.auth.models import User
from landkontor.auth.roles import Role
from landkontor.auth.security import create_access_token, hash_password, resolve_secret_key
from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.common.clock import business_today
from landkontor.common.pagination import PageParams
from landkontor.company import service as company_service
from landkontor.company.schemas import CompanyIn
from landkontor.db import migrate
from landkontor.db.session import get_database
from landkontor.db.types import utcnow
from landkontor.grain import masterdata as grain_masterdata
from landkontor.grain import tickets as grain_tickets
from landkontor.grain.schemas import QualityTermsIn, TicketCreate, WeighbridgeIn, WeighingIn
from landkontor.inventory.batches import change_status, create_batch
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import Batch, BatchStatus, MovementType
from landkontor.inventory.posting import PostingLine, post_movement
from landkontor.inventory.schemas import (
    BatchCreate,
    LocationCreate,
    StocktakeCreate,
    WarehouseCreate,
)
from landkontor.inventory.stocktake import open_stocktake
from landkontor.jobs import service as jobs
from landkontor.partners.pricing import create_price_list
from landkontor.partners.schemas import (
    CustomerCreate,
    CustomerGroupCreate,
    PriceIn,
    PriceListCreate,
    SupplierCreate,
)
from landkontor.partners.service import create_customer, create_group, create_supplier
from landkontor.production import boms, orders
from landkontor.production.schemas import (
    BomCreate,
    BomLineIn,
    ConsumptionIn,
    OrderCreate,
    OutputIn,
)
from landkontor.purchasing import orders as purchase_order_service
from landkontor.purchasing.schemas import PurchaseOrderCreate, PurchaseOrderLineIn
from landkontor.sales import deliveries as sales_deliveries
from landkontor.sales import invoicing
from landkontor.sales import orders as sales_orders
from landkontor.sales.schemas import (
    DeliveryCreate,
    InvoiceCreate,
    SalesOrderCreate,
    SalesOrderLineIn,
)
from landkontor.settings import get_settings


def build_data(db, tag: str, items: int) -> dict:
    today = business_today(get_settings())
    with db.session() as s:
        site = create_warehouse(s, WarehouseCreate(code=f"W{tag}", name=f"Standort {tag}"))
        bins = []
        for h in range(max(1, items // 10)):
            hall = create_location(
                s, LocationCreate(warehouse_id=site.id, code=f"H{h}", name="Halle", kind="hall")
            )
            for b in range(10):
                bins.append(
                    create_location(
                        s,
                        LocationCreate(
                            warehouse_id=site.id,
                            parent_id=hall.id,
                            code=f"H{h}-F{b}",
                            name="Fach",
                            capacity=Decimal(5000),
                        ),
                    ).id
                )
        first_item = first_batch = first_movement = None
        item_ids: list[int] = []
        for n in range(items):
            item = create_item(
                s,
                ItemCreate(
                    item_no=f"{tag}-{n:05d}",
                    name=f"Mischfutter {n}",
                    base_unit="kg",
                    batch_managed=True,
                    reorder_point=Decimal(5000) if n % 2 else None,
                ),
            )
            for k, days in enumerate((7, 120, 365)):
                batch = create_batch(
                    s,
                    BatchCreate(
                        item_id=item.id,
                        batch_no=f"C{n}-{k}",
                        best_before=today + timedelta(days=days),
                    ),
                )
                movement = post_movement(
                    s,
                    MovementType.receipt,
                    [
                        PostingLine(
                            item_id=item.id,
                            location_id=bins[(n + k) % len(bins)],
                            quantity=Decimal("1000.5"),
                            batch_id=batch.id,
                            unit_cost=Decimal("0.35"),
                        )
                    ],
                    actor="bench",
                )
                if k == 2 and n % 10 == 0:
                    change_status(s, batch.id, BatchStatus.blocked, "Benchmark", actor="bench")
                first_batch = first_batch or batch.id
                first_movement = first_movement or movement.id
            first_item = first_item or item.id
            item_ids.append(item.id)
        count = open_stocktake(s, StocktakeCreate(location_ids=[bins[-1]]), actor="bench")
        build_grain_day(s, tag, site.id, first_item, items // 10)
        trade = build_trade(s, tag, first_item, items)
        production = build_production(s, tag, site.id, bins[0], item_ids[:4], max(2, items // 10))
        sales = build_sales(s, tag, site.id, bins[:3], max(2, items // 10))
        user = User(username=f"bench-{tag}", role=Role.admin, password_hash=hash_password("x" * 12))
        s.add(user)
        s.commit()
        for n in range(5):
            jobs.submit(s, "export.items", {"format": "csv"}, idempotency_key=f"bench-{tag}-{n}")
        return {
            "movement": first_movement,
            "stocktake": count.id,
            "job": jobs.list_jobs(s, PageParams(limit=1))[0][0].id,
            "warehouse": site.id,
            "item": first_item,
            "batch": first_batch,
            "user": user.id,
            "first_bin": bins[0],
            **trade,
            **production,
            **sales,
        }


def build_grain_day(s, tag: str, site_id: int, crop_id: int, loads: int) -> None:
    """Today's tickets at a weighbridge (gross and tare) for the Getreideannahme page."""
    bridge = grain_masterdata.create_weighbridge(
        s, WeighbridgeIn(warehouse_id=site_id, code=f"W{tag}", name="Waage")
    )
    grain_masterdata.add_quality_terms(
        s,
        QualityTermsIn(
            item_id=crop_id,
            season=2026,
            valid_from="2020-01-01",
            base_moisture=Decimal("14.5"),
            base_foreign_matter=Decimal(2),
            handling_loss_percent=Decimal("0.5"),
        ),
    )
    now = utcnow()
    for n in range(loads):
        farmer = create_supplier(
            s, SupplierCreate(supplier_no=f"L-{tag}-{n:04d}", name=f"Hof {tag} {n}")
        )
        grain_tickets.create_ticket(
            s,
            TicketCreate(
                weighbridge_id=bridge.id,
                supplier_id=farmer.id,
                item_id=crop_id,
                vehicle_plate=f"CE-B {n}",
                gross=WeighingIn(
                    weight_kg=Decimal(40000), record_no=f"{tag}-{n}-1", weighed_at=now
                ),
                tare=WeighingIn(weight_kg=Decimal(15000), record_no=f"{tag}-{n}-2", weighed_at=now),
            ),
            actor="bench",
        )


def build_trade(s, tag: str, first_item: int, items: int) -> dict:
    """Partners, prices and purchasing for Kunden, Lieferanten, Preise and Einkauf:
    ``items`` // 2 customers in five groups (one price list per group, a price and a
    quantity break for every tenth item), ``items`` // 20 suppliers and ``items`` // 4
    purchase orders of three lines each (every other one placed)."""
    price_lists = []
    for g in range(5):
        prices = [
            PriceIn(item_id=first_item + n, unit_price=Decimal("0.50"), min_quantity=q)
            for n in range(0, items, 10)
            for q in (Decimal(0), Decimal(1000))
        ]
        price_lists.append(
            create_price_list(
                s, PriceListCreate(code=f"PL{tag}-{g}", name=f"Liste {g}", prices=prices)
            )
        )
    groups = [
        create_group(
            s,
            CustomerGroupCreate(
                code=f"G{tag}-{g}",
                name=f"Gruppe {g}",
                discount_percent=Decimal(2),
                price_list_id=price_lists[g].id,
                credit_limit=Decimal(50000),
            ),
        )
        for g in range(5)
    ]
    customers = [
        create_customer(
            s,
            CustomerCreate(
                customer_no=f"K{tag}-{n:04d}",
                name=f"Hof {n}",
                city="Celle",
                group_id=groups[n % 5].id,
            ),
        )
        for n in range(max(1, items // 2))
    ]
    suppliers = [
        create_supplier(s, SupplierCreate(supplier_no=f"S{tag}-{n:03d}", name=f"Lieferant {n}"))
        for n in range(max(1, items // 20))
    ]
    purchase_orders = []
    for n in range(max(2, items // 4)):
        lines = [
            PurchaseOrderLineIn(
                item_id=first_item + (n * 3 + k) % items,
                quantity=Decimal(500),
                unit_price=Decimal("0.31"),
            )
            for k in range(3)
        ]
        order = purchase_order_service.create_order(
            s,
            PurchaseOrderCreate(supplier_id=suppliers[n % len(suppliers)].id, lines=lines),
            actor="bench",
        )
        if n % 2:
            purchase_order_service.place_order(s, order.id)
        purchase_orders.append(order.id)
    return {
        "customer": customers[0].id,
        "customer_no": customers[0].customer_no,
        "supplier": suppliers[0].id,
        "price_list": price_lists[0].id,
        "purchase_order": purchase_orders[1],
    }


def build_production(
    s, tag: str, site_id: int, output_bin: int, component_ids: list[int], orders_per_level: int
) -> dict:
    """Two levels of production: a premix from the first three items, a feed from the premix
    and the fourth item; every order but the last of each level completed by FEFO."""
    made = {}
    for name, parts in (("VM", component_ids[:3]), ("MF", [None, component_ids[3]])):
        product = create_item(
            s,
            ItemCreate(
                item_no=f"{tag}-{name}",
                name=f"Produkt {name}",
                base_unit="kg",
                batch_managed=True,
                shelf_life_days=90,
            ),
        )
        lines = [
            BomLineIn(item_id=made["VM"] if part is None else part, quantity=Decimal(100))
            for part in parts
        ]
        bom = boms.create_bom(
            s,
            BomCreate(
                item_id=product.id, name=f"{name} {tag}", output_quantity=Decimal(300), lines=lines
            ),
        )
        made[name] = product.id
        for n in range(orders_per_level):
            order = orders.create_order(
                s,
                OrderCreate(
                    item_id=product.id,
                    quantity=Decimal(150),
                    warehouse_id=site_id,
                    output_location_id=output_bin,
                ),
                actor="bench",
            )
            orders.release_order(s, order.id, strict=False, actor="bench")
            made[f"open_{name}"] = order.id
            if n == orders_per_level - 1:
                continue  # the last one stays released: its page shows the FEFO proposal
            orders.consume(s, order.id, ConsumptionIn(), actor="bench")
            done = orders.post_output(
                s, order.id, OutputIn(quantity=Decimal(150), complete=True), actor="bench"
            )
            made[f"batch_{name}"] = done.outputs[0].batch_id
            made[f"done_{name}"] = order.id
        made[f"bom_{name}"] = bom.id
        s.commit()
    raw = s.scalar(
        select(Batch.id)
        .where(Batch.item_id == component_ids[0])
        .order_by(Batch.best_before)
        .limit(1)
    )
    return {"production": made, "raw_batch": raw}


def build_sales(s, tag: str, site_id: int, bins: list[int], customers: int) -> dict:
    """Customers with one order each (confirmed; every other one delivered and invoiced), a
    draft for the order page and its live price, and an order still to deliver."""
    if company_service.missing_for_invoices(company_service.get_company(s)):
        company_service.put_company(
            s,
            CompanyIn(
                legal_name="Landhandel Benchmark GmbH",
                street="Bahnhofstraße 1",
                postal_code="29221",
                city="Celle",
                vat_id="DE136695976",
                iban="DE89370400440532013000",
                bic="COBADEFFXXX",
                email="rechnung@example.org",
                phone="+49 5141 12345",
            ),
        )
    today = business_today(get_settings())
    item = create_item(
        s,
        ItemCreate(
            item_no=f"S{tag}",
            name=f"Milchleistungsfutter {tag}",
            base_unit="kg",
            batch_managed=True,
            base_price=Decimal("0.48"),
        ),
    )
    for k, location in enumerate(bins):
        batch = create_batch(
            s,
            BatchCreate(
                item_id=item.id, batch_no=f"S{tag}-{k}", best_before=today + timedelta(days=30 + k)
            ),
        )
        post_movement(
            s,
            MovementType.receipt,
            [
                PostingLine(
                    item_id=item.id,
                    location_id=location,
                    quantity=Decimal(100_000),
                    batch_id=batch.id,
                    unit_cost=Decimal("0.30"),
                )
            ],
            actor="bench",
        )
    group = create_group(
        s, CustomerGroupCreate(code=f"G{tag}", name="Landwirte", discount_percent=3)
    )
    line = SalesOrderLineIn(item_id=item.id, quantity=Decimal(250))
    found: dict = {}
    for n in range(customers):
        customer = create_customer(
            s,
            CustomerCreate(
                customer_no=f"K-{tag}-{n:04d}",
                name=f"Hof {tag} {n}",
                city="Celle",
                group_id=group.id,
                credit_limit=Decimal(1_000_000),
            ),
        )
        order = sales_orders.create_order(
            s,
            SalesOrderCreate(customer_id=customer.id, warehouse_id=site_id, lines=[line]),
            actor="bench",
        )
        sales_orders.confirm_order(s, order.id, actor="bench")
        if n % 2 == 0:
            delivery = sales_deliveries.deliver(s, order.id, DeliveryCreate(), actor="bench")
            invoice = invoicing.invoice_order(s, order.id, InvoiceCreate(), actor="bench")
            found.setdefault("delivery", delivery.id)
            found.setdefault("invoice", invoice.id)
        else:
            found.setdefault("to_deliver", order.id)
    draft = sales_orders.create_order(
        s,
        SalesOrderCreate(customer_id=customer.id, warehouse_id=site_id, lines=[line, line]),
        actor="bench",
    )
    return {**found, "draft": draft.id, "sales_item": item.item_no}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--with-health", action="store_true")
    args = parser.parse_args()

    settings = get_settings()
    db = get_database(settings)
    migrate.upgrade(db)
    tag = uuid.uuid4().hex[:6].upper()
    started = time.perf_counter()
    data = build_data(db, tag, args.items)
    setup_seconds = time.perf_counter() - started
    if db.dialect == "postgresql":  # fresh statistics, as autovacuum would gather them
        with db.engine.begin() as connection:  # committed: rolled back, it would be lost
            connection.exec_driver_sql("ANALYZE")

    app = create_app(settings, db)
    token, _ = create_access_token(
        data["user"], 0, key=resolve_secret_key(settings), lifetime=timedelta(hours=2)
    )
    with db.session() as s:
        from landkontor.inventory.models import Location

        hall = s.get(Location, data["first_bin"]).parent_id
    today = business_today(settings)
    pages = {
        "uebersicht": "/",
        "uebersicht/nachbestellen": "/uebersicht/nachbestellen",
        "uebersicht/mhd": "/uebersicht/mhd",
        "uebersicht/gesperrt": "/uebersicht/gesperrt",
        "uebersicht/auftraege": "/uebersicht/auftraege",
        "uebersicht/jobs": "/uebersicht/jobs",
        "artikel": "/artikel",
        "artikel?q": f"/artikel?q={tag}-0001",
        "artikel?unter_meldebestand": "/artikel?unter_meldebestand=1&sort=on_hand",
        "artikel/id": f"/artikel/{data['item']}",
        "artikel/neu": "/artikel/neu",
        "lager": "/lager",
        "lager/id": f"/lager/{data['warehouse']}",
        "lager/unterplaetze": f"/lager/plaetze/{hall}/unterplaetze",
        "chargen": "/chargen",
        "chargen?gesperrt": "/chargen?status=blocked&bestand=1",
        "chargen?mhd": f"/chargen?mhd_bis={today + timedelta(days=14)}&bestand=1",
        "chargen/id": f"/chargen/{data['batch']}",
        "lagerbewegungen": "/lagerbewegungen",
        "lagerbewegungen?artikel": f"/lagerbewegungen?artikel={tag}-00001",
        "lagerbewegungen?lager": f"/lagerbewegungen?lager={data['warehouse']}&art=receipt",
        "lagerbewegungen/id": f"/lagerbewegungen/{data['movement']}",
        "lagerbewegungen/neu/eingang": "/lagerbewegungen/neu/eingang",
        "lagerbewegungen/neu/ausgang": "/lagerbewegungen/neu/ausgang",
        "lagerbewegungen/vorschlag": (
            f"/lagerbewegungen/vorschlag?item_no={tag}-00001&quantity=1500"
        ),
        "inventur": "/inventur",
        "inventur/neu": f"/inventur/neu?lager={data['warehouse']}",
        "inventur/id": f"/inventur/{data['stocktake']}",
        "jobs": "/jobs",
        "jobs/neu": "/jobs/neu",
        "jobs/neu/export.ledger": "/jobs/neu/export.ledger",
        "jobs/id": f"/jobs/{data['job']}",
        "produktion": "/produktion",
        "produktion?status": "/produktion?status=completed",
        "produktion/id-freigegeben": f"/produktion/{data['production']['open_MF']}",
        "produktion/id-abgeschlossen": f"/produktion/{data['production']['done_MF']}",
        "produktion/neu": "/produktion/neu",
        "produktion/rezepturen": "/produktion/rezepturen",
        "produktion/rezepturen/id": f"/produktion/rezepturen/{data['production']['bom_MF']}",
        "rueckverfolgung?q": "/rueckverfolgung?q=C1-",
        "rueckverfolgung/id": f"/rueckverfolgung/{data['production']['batch_MF']}",
        "rueckverfolgung/id?vorwaerts": (
            f"/rueckverfolgung/{data['raw_batch']}?richtung=vorwaerts"
        ),
        "rueckverfolgung/zweig": (
            f"/rueckverfolgung/{data['production']['batch_MF']}/zweig?richtung=rueckwaerts"
        ),
        "rueckverfolgung/rueckruf": f"/rueckverfolgung/{data['raw_batch']}/rueckruf",
        "rueckverfolgung/rueckruf.pdf": f"/rueckverfolgung/{data['raw_batch']}/rueckruf.pdf",
        "rueckverfolgung/rueckruf.xlsx": f"/rueckverfolgung/{data['raw_batch']}/rueckruf.xlsx",
        "verkauf": "/verkauf",
        "verkauf?offen": "/verkauf?status=offen",
        "verkauf?q": f"/verkauf?q=Hof {tag} 1",
        "verkauf/kunden": f"/verkauf/kunden?customer_no=K-{tag}-00",
        "verkauf/artikel": f"/verkauf/artikel?item_no=S{tag}",
        "verkauf/auftraege/neu": "/verkauf/auftraege/neu",
        "verkauf/auftraege/id": f"/verkauf/auftraege/{data['draft']}",
        "verkauf/auftraege/id/preis": (
            f"/verkauf/auftraege/{data['draft']}/preis?item_no={data['sales_item']}&quantity=1.250"
        ),
        "verkauf/auftraege/id/lieferung": f"/verkauf/auftraege/{data['to_deliver']}/lieferung",
        "verkauf/lieferungen/id": f"/verkauf/lieferungen/{data['delivery']}",
        "verkauf/rechnungen": "/verkauf/rechnungen",
        "verkauf/rechnungen/id": f"/verkauf/rechnungen/{data['invoice']}",
        "verkauf/zahlungen": "/verkauf/zahlungen",
        "getreideannahme": "/getreideannahme",
        "getreideannahme/landwirte": f"/getreideannahme/landwirte?supplier_no=L-{tag}-00",
        "system": "/system",
        "system/systemtest": "/system/systemtest",
        "kunden": "/kunden",
        "kunden?q": f"/kunden?q=K{tag}-001",
        "kunden/id": f"/kunden/{data['customer']}",
        "kunden/neu": "/kunden/neu",
        "lieferanten": "/lieferanten",
        "lieferanten/id": f"/lieferanten/{data['supplier']}",
        "preise": "/preise",
        "preise/listen": "/preise/listen",
        "preise/listen/id": f"/preise/listen/{data['price_list']}",
        "preise/pruefung": (
            f"/preise/pruefung?kunde={data['customer_no']}&artikel={tag}-00000&menge=1500"
        ),
        "preise/pruefung/ergebnis": (
            f"/preise/pruefung/ergebnis?kunde={data['customer_no']}&artikel={tag}-00000&menge=15"
        ),
        "einkauf": "/einkauf",
        "einkauf?status": "/einkauf?status=ordered",
        "einkauf/id": f"/einkauf/{data['purchase_order']}",
        "einkauf/id/wareneingang": f"/einkauf/{data['purchase_order']}/wareneingang",
        "einkauf/vorschlaege": "/einkauf/vorschlaege",
        "einkauf/neu": "/einkauf/neu",
    }
    if args.with_health:
        pages["uebersicht/dienste"] = "/uebersicht/dienste"
        pages["system/dienste"] = "/system/dienste"
        pages["system/doktor"] = "/system/doktor"
    with TestClient(app) as client:
        client.cookies.set("lk_session", token, domain="testserver.local")
        for name, url in pages.items():
            assert client.get(url).status_code == 200, url  # warm up, and check it works
            samples, cpu = [], []
            for _ in range(args.repeat):
                begin, begin_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                samples.append((time.perf_counter() - begin) * 1000)
                cpu.append((time.process_time() - begin_cpu) * 1000)
                assert response.status_code == 200, url
            print(
                json.dumps(
                    {
                        "benchmark": "web_pages",
                        "page": name,
                        "url": url,
                        "database": db.dialect,
                        "items": args.items,
                        "batches": args.items * 3,
                        "repeat": args.repeat,
                        "p50_ms": round(statistics.median(samples), 2),
                        "p95_ms": round(percentile(samples, 0.95), 2),
                        "cpu_p50_ms": round(statistics.median(cpu), 2),
                        "setup_s": round(setup_seconds, 1),
                    }
                )
            )


if __name__ == "__main__":
    main()
