"""A simulated harvest day through the grain service layer on PostgreSQL.

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/harvest_day.py [--farmers 200] [--loads 1000] \
        [--sites 3] [--cells 4] [--workers 2]

Sets up the sites (each with two weighbridges and its silo cells), a crop with quality
terms and day prices, the farmers (regular, flat-rate and exempt VAT) and contracts for
two thirds of them (fixed price, or open price with fixings). Then ``--workers`` processes
(weighbridges; processes, as the API server's processes would serve them — threads of one
process would share its interpreter lock) each with its own session take in the loads:
ticket with both weighings, sample analysis, intake into a silo cell (settlement weight,
allocation to contracts, stock receipt of the farmer's lot, mixing into the silo batch) —
three use cases, as the clerk's steps are. Then every farmer is settled, a compound feed
batch is mixed from two silo batches, and the farmers behind it are traced. Prints one
JSON line: intakes/s (goal ≥ 50/s) with the SQL statements and transactions per intake,
settlement and trace times. Use a scratch database; each run adds its own crop, sites and
farmers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

from landkontor.catalog.schemas import ItemCreate
from landkontor.catalog.service import create_item
from landkontor.db import migrate
from landkontor.db.session import get_database, reset_databases
from landkontor.demo.masterdata import create_company
from landkontor.grain import contracts, intake, masterdata, reports, settlement, tickets
from landkontor.grain.models import ContractPricing, VatRegime
from landkontor.grain.schemas import (
    AnalysisIn,
    ContractCreate,
    DayPriceIn,
    FixingIn,
    QualityClassIn,
    QualityTermsIn,
    SettlementCreate,
    TicketCreate,
    WeighbridgeIn,
    WeighingIn,
)
from landkontor.inventory import mixing
from landkontor.inventory.locations import create_location, create_warehouse
from landkontor.inventory.models import LocationKind
from landkontor.inventory.schemas import (
    LocationCreate,
    MixIn,
    MixInput,
    MixOutput,
    NewBatch,
    WarehouseCreate,
)
from landkontor.partners.schemas import SupplierCreate
from landkontor.partners.service import create_supplier
from landkontor.settings import get_settings

ACTOR = "benchmark"
REGIMES = [VatRegime.regular, VatRegime.flat_rate, VatRegime.exempt]


def setup(db, args, tag: str, rng: random.Random) -> dict:
    with db.session() as s:
        create_company(s)  # the issuer of the credit notes (kept if entered already)
        crop = create_item(
            s,
            ItemCreate(
                item_no=f"WEIZEN-{tag}",
                name="Weizen",
                base_unit="kg",
                batch_managed=True,
                vat_category="reduced",
            ),
        )
        masterdata.add_quality_terms(
            s,
            QualityTermsIn(
                item_id=crop.id,
                season=date.today().year,
                valid_from=date(2020, 1, 1),
                base_moisture=Decimal("14.5"),
                base_foreign_matter=Decimal("2"),
                handling_loss_percent=Decimal("0.5"),
                drying_cost_per_t_point=Decimal("1.5"),
                cleaning_cost_per_t_point=Decimal("2"),
                reject_moisture_above=Decimal("22"),
                reject_foreign_matter_above=Decimal("10"),
                classes=[
                    QualityClassIn(code="E", min_protein=Decimal("14"), premium_per_t=15),
                    QualityClassIn(code="A", min_protein=Decimal("13"), premium_per_t=5),
                    QualityClassIn(code="B", min_protein=Decimal("12")),
                    QualityClassIn(code="C", premium_per_t=Decimal("-10")),
                ],
            ),
        )
        sites = []
        for n in range(args.sites):
            site = create_warehouse(s, WarehouseCreate(code=f"S{n}-{tag}", name=f"Standort {n}"))
            bridges = [
                masterdata.create_weighbridge(
                    s, WeighbridgeIn(warehouse_id=site.id, code=f"W{b}", name=f"Waage {b}")
                ).id
                for b in range(2)
            ]
            cells = [
                create_location(
                    s,
                    LocationCreate(
                        warehouse_id=site.id,
                        code=f"Z{c}",
                        name=f"Zelle {c}",
                        kind=LocationKind.silo,
                    ),
                ).id
                for c in range(args.cells)
            ]
            masterdata.set_day_price(
                s,
                DayPriceIn(
                    warehouse_id=site.id,
                    item_id=crop.id,
                    valid_on=date(2020, 1, 1),
                    price_per_t=Decimal("205"),
                ),
                actor=ACTOR,
            )
            sites.append({"id": site.id, "bridges": bridges, "cells": cells})
        farmers = []
        for n in range(args.farmers):
            farmer = create_supplier(
                s, SupplierCreate(supplier_no=f"LW-{tag}-{n}", name=f"Hof {n}")
            )
            masterdata.set_vat_regime(s, farmer.id, REGIMES[n % 3])
            farmers.append(farmer.id)
            if n % 3 == 2:
                continue  # a third deliver without contract (day price)
            pricing = ContractPricing.open if n % 3 == 1 else ContractPricing.fixed
            contract = contracts.create_contract(
                s,
                ContractCreate(
                    supplier_id=farmer.id,
                    item_id=crop.id,
                    quantity_t=Decimal(rng.choice([50, 80, 120])),
                    tolerance_percent=Decimal(5),
                    delivery_from=date(2020, 1, 1),
                    delivery_to=date(2099, 12, 31),
                    pricing=pricing,
                    price_per_t=Decimal("210") if pricing == ContractPricing.fixed else None,
                ),
                actor=ACTOR,
            )
            if pricing == ContractPricing.open:
                contracts.add_fixing(
                    s,
                    contract.id,
                    FixingIn(
                        fixed_on=date.today(),
                        quantity_t=contract.quantity_t * Decimal("1.05"),
                        price_per_t=Decimal("215"),
                    ),
                    actor=ACTOR,
                )
    return {"crop": crop.id, "sites": sites, "farmers": farmers}


def weigh_loads(db, world: dict, loads: list[tuple[int, int, int]], worker: int, tag: str):
    """One weighbridge clerk: ticket, analysis and intake for each of its loads."""
    rng = random.Random(worker)
    start = datetime.now(UTC)
    with db.session() as s:
        for n, (farmer, site_index, cell_index) in enumerate(loads):
            site = world["sites"][site_index]
            gross = Decimal(rng.randint(28000, 42000))
            at = start + timedelta(seconds=n)
            ticket = tickets.create_ticket(
                s,
                TicketCreate(
                    weighbridge_id=site["bridges"][worker % 2],
                    supplier_id=farmer,
                    item_id=world["crop"],
                    vehicle_plate=f"CE-{worker} {n}",
                    gross=WeighingIn(
                        weight_kg=gross, record_no=f"{tag}-{worker}-{n}g", weighed_at=at
                    ),
                    tare=WeighingIn(
                        weight_kg=Decimal(rng.randint(12000, 16000)),
                        record_no=f"{tag}-{worker}-{n}t",
                        weighed_at=at + timedelta(minutes=12),
                    ),
                ),
                actor=ACTOR,
            )
            tickets.add_analysis(
                s,
                ticket.id,
                AnalysisIn(
                    moisture=Decimal(rng.randint(125, 190)) / 10,
                    foreign_matter=Decimal(rng.randint(5, 40)) / 10,
                    protein=Decimal(rng.randint(110, 150)) / 10,
                    falling_number=rng.randint(200, 380),
                    hectolitre_weight=Decimal(rng.randint(72, 82)),
                ),
                actor=ACTOR,
            )
            intake.take_in(s, ticket.id, site["cells"][cell_index], actor=ACTOR)


def _weighbridge(worker, loads, world, tag, ready, results) -> None:
    """One weighbridge process: connect, wait for the others, weigh its loads, report how
    many statements and transactions they took (or the error)."""
    db = get_database(get_settings())
    db.ping()
    counts = {"statements": 0, "commits": 0}

    def statement(*_args) -> None:
        counts["statements"] += 1

    def commit(*_args) -> None:
        counts["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    ready.wait()
    try:
        weigh_loads(db, world, loads, worker, tag)
    except Exception as exc:  # reported to the parent, which stops the benchmark
        results.put({"error": repr(exc)})
        return
    results.put(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farmers", type=int, default=200)
    parser.add_argument("--loads", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--cells", type=int, default=4, help="silo cells per site")
    parser.add_argument("--workers", type=int, default=2, help="weighbridges weighing at once")
    args = parser.parse_args()
    db = get_database(get_settings())
    migrate.upgrade(db)
    rng = random.Random(18)
    tag = uuid.uuid4().hex[:6]
    t0 = time.perf_counter()
    world = setup(db, args, tag, rng)
    setup_s = time.perf_counter() - t0

    plan = [
        (rng.choice(world["farmers"]), rng.randrange(args.sites), rng.randrange(args.cells))
        for _ in range(args.loads)
    ]
    shares = [plan[w :: args.workers] for w in range(args.workers)]
    reset_databases()  # each weighbridge process opens its own connections
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(args.workers + 1)
    results = context.Queue()
    workers = [
        context.Process(target=_weighbridge, args=(w, shares[w], world, tag, ready, results))
        for w in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    ready.wait()  # every weighbridge connected: the clock starts
    t0 = time.perf_counter()
    reports_of_workers = [results.get() for _ in workers]
    intake_s = time.perf_counter() - t0
    for worker in workers:
        worker.join()
    failed = [r["error"] for r in reports_of_workers if r.get("error")]
    if failed:
        raise SystemExit(f"a weighbridge failed: {failed[0]}")
    statements = sum(r["statements"] for r in reports_of_workers)
    commits = sum(r["commits"] for r in reports_of_workers)
    db = get_database(get_settings())

    t0 = time.perf_counter()
    notes = 0
    with db.session() as s:
        for farmer in world["farmers"]:
            open_ids = [t.id for t in reports.unsettled_tickets(s, farmer)]
            if open_ids:
                settlement.settle(
                    s, SettlementCreate(supplier_id=farmer, ticket_ids=open_ids), actor=ACTOR
                )
                notes += 1
    settle_s = time.perf_counter() - t0

    with db.session() as s:
        silos = [
            row
            for row in reports.silo_contents(s, world["sites"][0]["id"])
            if row.silo_batch_id and row.quantity_kg > 1000
        ][:2]
        feed = create_item(
            s,
            ItemCreate(item_no=f"MF-{tag}", name="Mischfutter", base_unit="kg", batch_managed=True),
        )
        record = mixing.mix(
            s,
            MixIn(
                inputs=[
                    MixInput(
                        item_id=world["crop"],
                        batch_id=row.silo_batch_id,
                        location_id=row.location_id,
                        quantity=Decimal(1000),
                    )
                    for row in silos
                ],
                output=MixOutput(
                    item_id=feed.id,
                    location_id=world["sites"][0]["cells"][0],
                    batch=NewBatch(batch_no=f"MF-{tag}"),
                ),
            ),
            actor=ACTOR,
        )
    t0 = time.perf_counter()
    with db.session() as s:
        traced = reports.farmers_of(s, record.output_batch_id)
    trace_s = time.perf_counter() - t0

    print(
        json.dumps(
            {
                "benchmark": "harvest_day",
                "database": db.dialect,
                "farmers": args.farmers,
                "loads": args.loads,
                "sites": args.sites,
                "silo_cells": args.sites * args.cells,
                "workers": args.workers,
                "setup_s": round(setup_s, 2),
                "intake_s": round(intake_s, 2),
                "intakes_per_s": round(args.loads / intake_s, 1),
                "statements_per_intake": round(statements / args.loads, 1),
                "transactions_per_intake": round(commits / args.loads, 1),
                "settlements": notes,
                "settlement_s": round(settle_s, 2),
                "settlement_ms_each": round(1000 * settle_s / max(notes, 1), 1),
                "trace_silos": len(silos),
                "trace_farmer_lots": len(traced),
                "trace_farmers": len({row.supplier_id for row in traced}),
                "trace_ms": round(1000 * trace_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
