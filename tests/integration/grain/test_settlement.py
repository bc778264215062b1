"""Contracts, allocation, the farmer's settlement (self-billed credit note) with each VAT
regime, settled tickets that cannot change, the reports, and the trace from a compound feed
back to the farmers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.grain_support import Harvest
from tests.helpers import assert_problem

# One standard load: 25 000 kg net at 16.5 % moisture, 3 % foreign matter, class A:
# settlement weight 24 040 kg; drying 75.00, cleaning 50.00; class A premium 5 EUR/t.
SETTLEMENT_KG = D("24040")


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def test_loads_fill_the_oldest_open_contract_first_and_the_rest_is_bought_at_day_price(
    harvest,
):
    farmer = harvest.farmer()
    later = harvest.contract(farmer, 5, delivery_from="2021-01-01", price_per_t="220")
    older = harvest.contract(farmer, 10, price_per_t="210")
    other_crop = harvest.stock.item(item_no="RAPS", batch_managed=True)
    harvest.contract(farmer, 50, item_id=other_crop["id"])
    done = harvest.load(farmer, harvest.cells[0])
    allocations = [(a["contract_id"], D(a["quantity_kg"])) for a in done["allocations"]]
    assert allocations == [(older["id"], 10000), (later["id"], 5000), (None, 9040)]
    day_part = done["allocations"][-1]
    assert D(day_part["day_price_per_t"]) == 200 and day_part["automatic"]
    open_rows = {r["contract_id"]: r for r in harvest.get("/grain/reports/open-contracts")}
    assert D(open_rows[older["id"]]["open_kg"]) == 0
    assert D(open_rows[later["id"]]["delivered_kg"]) == 5000
    # The clerk moves the allocation: 4 t to the later contract, the rest at day price.
    url = f"/grain/tickets/{done['id']}/allocation"
    changed = harvest.call(
        "PUT", url, {"parts": [{"contract_id": later["id"], "quantity_kg": 4000}]}
    )
    assert changed.status_code == 200, changed.text
    assert [(a["contract_id"], D(a["quantity_kg"])) for a in changed.json()] == [
        (later["id"], 4000),
        (None, 20040),
    ]
    too_much = harvest.call(
        "PUT", url, {"parts": [{"contract_id": later["id"], "quantity_kg": 6000}]}
    )
    assert_problem(too_much, 422, field="parts[0].quantity_kg")


def test_tolerance_lets_a_contract_take_a_little_more(harvest):
    farmer = harvest.farmer()
    contract = harvest.contract(farmer, 23, tolerance_percent="5")  # up to 24 150 kg
    done = harvest.load(farmer, harvest.cells[0])
    assert [(a["contract_id"], D(a["quantity_kg"])) for a in done["allocations"]] == [
        (contract["id"], SETTLEMENT_KG)
    ]


def _expected(net: D, percent: D) -> tuple[D, D]:
    vat = (net * percent / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    return vat, net + vat


@pytest.mark.parametrize(
    ("regime", "settled_on", "percent"),
    [
        ("regular", "2026-08-01", D("7")),  # grain: reduced rate
        ("flat_rate", "2026-08-01", D("7.8")),  # §24 UStG from 2025
        ("flat_rate", "2024-08-01", D("9.0")),  # §24 UStG in 2024 (until 5 Dec)
        ("exempt", "2026-08-01", D("0")),
    ],
)
def test_settlement_is_a_self_billed_credit_note_with_the_farmers_vat(
    harvest, regime, settled_on, percent
):
    farmer = harvest.farmer(regime)
    harvest.contract(farmer, 30, price_per_t="210")
    ticket = harvest.load(farmer, harvest.cells[0])
    assert ticket["quality_class"] == "A"
    note = harvest.settle(farmer, ticket, settled_on=settled_on)
    assert note["settlement_no"] == f"GU-{settled_on[:4]}-000001"
    assert note["document_title"] == "Gutschrift"
    # goods 24 040 kg * 210 = 5 048.40; class A 24 040 kg * 5 = 120.20; drying -75; cleaning -50
    assert [(line["kind"], D(line["amount"])) for line in note["lines"]] == [
        ("goods", D("5048.40")),
        ("quality", D("120.20")),
        ("drying", D("-75.00")),
        ("cleaning", D("-50.00")),
    ]
    net = D("5043.60")
    vat, gross = _expected(net, percent)
    assert (D(note["net_amount"]), D(note["vat_amount"]), D(note["gross_amount"])) == (
        net,
        vat,
        gross,
    )
    assert D(note["vat_percent"]) == percent and note["vat_regime"] == regime
    if regime == "flat_rate":
        assert "§ 24" in note["vat_note"]
    assert harvest.get("/grain/reports/unsettled") == []


def test_open_price_contract_is_settled_at_its_fixings(harvest):
    farmer = harvest.farmer()
    contract = harvest.contract(farmer, 30, pricing="open", price_per_t=None)
    ticket = harvest.load(farmer, harvest.cells[0])
    # Until fixed, the stock is valued at the day price (200 EUR/t).
    ledger = harvest.get("/stock/ledger", batch_id=ticket["lot_batch_id"])["items"]
    assert D(next(x for x in ledger if D(x["quantity"]) > 0)["unit_cost"]) == D("0.2")
    missing = harvest.call(
        "POST", "/grain/settlements", {"supplier_id": farmer["id"], "ticket_ids": [ticket["id"]]}
    )
    assert_problem(missing, 409, "price-missing")
    fix = f"/grain/contracts/{contract['id']}/fixings"
    harvest.post(fix, {"fixed_on": "2026-07-01", "quantity_t": "20", "price_per_t": "200"})
    harvest.post(fix, {"fixed_on": "2026-08-01", "quantity_t": "10", "price_per_t": "220"})
    over = harvest.call(
        "POST", fix, {"fixed_on": "2026-08-02", "quantity_t": "1", "price_per_t": "1"}
    )
    assert_problem(over, 422, field="quantity_t")
    note = harvest.settle(farmer, ticket)
    goods = [
        (D(x["quantity_kg"]), D(x["price_per_t"])) for x in note["lines"] if x["kind"] == "goods"
    ]
    # 20 000 kg at 200 (4 000.00) and 4 040 kg at 220 (888.80)
    assert goods == [(20000, 200), (4040, 220)]
    assert sum(D(x["amount"]) for x in note["lines"] if x["kind"] == "goods") == D("4888.80")


def test_a_settled_ticket_cannot_change(harvest, db):
    farmer = harvest.farmer()
    ticket = harvest.load(farmer, harvest.cells[0])
    harvest.settle(farmer, ticket)
    tid = ticket["id"]
    attempts = [
        (
            "POST",
            f"/grain/tickets/{tid}/analyses",
            {"moisture": "15", "foreign_matter": "1", "reason": "x"},
        ),
        ("POST", f"/grain/tickets/{tid}/intake", {"location_id": harvest.cells[1]["id"]}),
        ("PUT", f"/grain/tickets/{tid}/allocation", {"parts": []}),
        ("POST", "/grain/settlements", {"supplier_id": farmer["id"], "ticket_ids": [tid]}),
    ]
    for method, url, body in attempts:
        assert_problem(harvest.call(method, url, body), 409, "ticket-settled")
    correction = harvest.call(
        "POST", f"/grain/tickets/{tid}/correction", {"reason": "zu spät"}, as_="manager"
    )
    assert_problem(correction, 409, "ticket-settled")
    assert harvest.get(f"/grain/tickets/{tid}")["allocations"] == ticket["allocations"]
    with db.engine.connect() as connection, pytest.raises(DBAPIError):
        connection.execute(
            text("UPDATE grain_tickets SET driver = 'x' WHERE id = :id"), {"id": tid}
        )


def test_settlement_input_is_checked(harvest):
    farmer, other = harvest.farmer(), harvest.farmer(name="Hof Anders")
    ticket = harvest.load(farmer, harvest.cells[0])
    open_ticket = harvest.ticket(farmer)
    cases = [
        ({"supplier_id": 987654, "ticket_ids": [ticket["id"]]}, 422, "supplier_id"),
        ({"supplier_id": other["id"], "ticket_ids": [ticket["id"]]}, 422, "ticket_ids[0]"),
        ({"supplier_id": farmer["id"], "ticket_ids": [987654]}, 422, "ticket_ids[0]"),
        ({"supplier_id": farmer["id"], "ticket_ids": []}, 422, "ticket_ids"),
        ({"supplier_id": farmer["id"], "ticket_ids": [open_ticket["id"]]}, 409, "ticket_ids[0]"),
    ]
    for body, status, field in cases:
        assert_problem(harvest.call("POST", "/grain/settlements", body), status, field=field)
    assert harvest.get("/grain/settlements")["total"] == 0
    assert [t["id"] for t in harvest.get("/grain/reports/unsettled")] == [ticket["id"]]


def test_a_trace_from_compound_feed_reaches_the_farmers_through_silos_and_transfers(harvest):
    a, b, c, d, e = (harvest.farmer(name=f"Hof {n}") for n in "ABCDE")
    z1, z2, z3 = harvest.cells
    harvest.load(a, z1)
    harvest.load(b, z1)
    harvest.load(c, z2)
    moved_in = harvest.load(d, z3)
    # Umlagerung: part of Z3 into Z1 keeps farmer D reachable.
    transfer = harvest.post(
        "/grain/cell-transfers",
        {"from_location_id": z3["id"], "to_location_id": z1["id"], "quantity_kg": "10000"},
    )
    assert transfer["from_batch_id"] == moved_in["silo_batch_id"]
    e_ticket = harvest.ticket(e)
    harvest.analyse(e_ticket)  # weighed and sampled, but never taken in
    feed = harvest.stock.item(item_no="MF-RIND", batch_managed=True)
    silo1 = harvest.get("/grain/reports/silos")[0]
    assert silo1["location_id"] == z1["id"] and len(silo1["lots"]) == 3
    assert silo1["average_moisture"] == "16.50"
    mix = harvest.stock.post(
        "/api/v1/stock/mixes",
        {
            "inputs": [
                {
                    "item_id": harvest.wheat["id"],
                    "batch_id": silo1["silo_batch_id"],
                    "location_id": z1["id"],
                    "quantity": "1000",
                },
                {
                    "item_id": harvest.wheat["id"],
                    "batch_id": harvest.get("/grain/reports/silos")[1]["silo_batch_id"],
                    "location_id": z2["id"],
                    "quantity": "500",
                },
            ],
            "output": {
                "item_id": feed["id"],
                "location_id": harvest.bin["id"],
                "batch": {"batch_no": "MF-2026-1"},
            },
        },
    )
    farmers = harvest.get(f"/grain/batches/{mix['output_batch_id']}/farmers")
    assert sorted(row["supplier_name"] for row in farmers) == ["Hof A", "Hof B", "Hof C", "Hof D"]
    backward = harvest.get(f"/batches/{mix['output_batch_id']}/trace", direction="backward")
    suppliers = {b["supplier"]["name"] for b in backward["batches"] if b["supplier"]}
    assert suppliers == {"Hof A", "Hof B", "Hof C", "Hof D"}


def test_reports_of_the_day(harvest):
    farmer = harvest.farmer()
    harvest.load(farmer, harvest.cells[0])
    harvest.load(farmer, harvest.cells[1], gross=30000, tare=14000)
    rows = harvest.get("/grain/reports/intake")
    assert len(rows) == 1
    assert rows[0]["tickets"] == 2 and D(rows[0]["net_kg"]) == 25000 + 16000
    assert rows[0]["item_id"] == harvest.wheat["id"]
