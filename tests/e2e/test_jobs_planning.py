"""Batch-trace reports, reorder proposals and material shortages through real workers; the
results hold what the API answers for the same batch, items and orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from tests.helpers import assert_problem
from tests.jobs_helpers import pdf_pages, result_file, run_job, wait_job, xlsx_records


@pytest.fixture(scope="module")
def optimizer(start_worker) -> Iterator:
    """A worker for the optimization queue, for this module only: elsewhere jobs parked on
    that queue must stay queued (tests/integration/test_jobs_api.py)."""
    worker = start_worker("--queues", "optimization", concurrency=1)
    yield worker
    worker.stop()


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def mill(stock, trade):
    """Raw materials bought in batches, a compound feed made of them, delivered to a farm."""
    wh = stock.warehouse(code="MUEHLE")
    raw = stock.location(wh["id"], code="ROH", kind="silo")
    out = stock.location(wh["id"], code="FERTIG", kind="silo")
    wheat = stock.item(item_no="WEIZEN", batch_managed=True)
    soy = stock.item(item_no="SOJA", batch_managed=True)
    feed = stock.item(item_no="MF18", batch_managed=True, shelf_life_days=90, base_price="0.6")
    supplier = trade.supplier(supplier_no="L-NORD", name="Mühle Nord")
    batches = {}
    for item, batch_no, qty, price in [(wheat, "W-1", 600, "0.20"), (soy, "S-1", 400, "0.50")]:
        receipt = trade.buy_batch(
            supplier["id"], item["id"], qty, price,
            location_id=raw["id"], batch_no=batch_no, best_before=day(200),
        )  # fmt: skip
        batches[batch_no] = receipt["lines"][0]["batch_id"]
    stock.recipe(
        feed["id"],
        {"item_id": wheat["id"], "quantity": 600},
        {"item_id": soy["id"], "quantity": 400},
    )
    return wh, raw, out, wheat, soy, feed, supplier, batches


def _produce(stock, wh, out, feed, quantity) -> tuple[dict, int]:
    order = stock.production_order(feed["id"], quantity, wh["id"], output_location_id=out["id"])
    done = stock.produce(order["id"], quantity)
    return order, done["outputs"][0]["batch_id"]


def test_batch_trace_report_holds_the_trace_and_the_recall_report(
    client, clerk, stock, trade, mill, worker
):
    wh, raw, out, wheat, soy, feed, supplier, batches = mill
    order, feed_batch = _produce(stock, wh, out, feed, 500)
    farm = trade.customer(customer_no="K-100", name="Hof Meyer")
    sale = trade.sales_order(farm["id"], wh["id"], {"item_id": feed["id"], "quantity": 200})
    trade.post(f"/sales-orders/{sale['id']}/confirm", status=200)
    trade.deliver(sale["id"])

    response = client.post(
        "/api/v1/reports",
        json={"type": "batch-trace", "params": {"batch_id": batches["S-1"], "format": "xlsx"}},
        headers=clerk,
    )
    assert response.status_code == 202, response.text
    done = run_job_from(client, clerk, response.json())
    content, _ = result_file(client, clerk, done)
    forward = trade.get(f"/batches/{batches['S-1']}/trace", direction="forward")
    recall = trade.get(f"/batches/{batches['S-1']}/recall-report")
    [root] = xlsx_records(content, "Charge")
    assert (root["batch_no"], root["item_no"], root["supplier_no"]) == ("S-1", "SOJA", "L-NORD")
    made = xlsx_records(content, "Vorwaerts")
    assert [r["batch_no"] for r in made] == [b["batch_no"] for b in forward["batches"]]
    deliveries = xlsx_records(content, "Lieferungen")
    assert [
        (r["delivery_no"], r["customer_no"], r["item_no"], r["quantity"]) for r in deliveries
    ] == [
        (d["delivery_no"], d["customer"]["number"], "MF18", D(d["quantity"]))
        for d in forward["deliveries"]
    ]
    customers = xlsx_records(content, "Kunden")
    assert [(c["customer_no"], c["item_no"], c["quantity"]) for c in customers] == [
        ("K-100", "MF18", D(recall["customers"][0]["quantities"]["MF18"]))
    ]
    stock_rows = xlsx_records(content, "Bestand")
    assert sum(r["quantity"] for r in stock_rows if r["item_no"] == "SOJA") == D(
        recall["stock_total"]["SOJA"]
    )
    assert done["result"]["customers"] == ["K-100"] and done["result"]["descendants"] == 1

    done = run_job(client, clerk, "report.batch-trace", {"batch_id": feed_batch})
    pages = pdf_pages(result_file(client, clerk, done)[0])
    text_ = "\n".join(pages)
    back = trade.get(f"/batches/{feed_batch}/trace", direction="backward")
    assert "Chargenverfolgung" in text_ and order["number"] in text_
    for ancestor in back["batches"]:
        assert ancestor["batch_no"] in text_
    for receipt in back["receipts"]:
        assert receipt["receipt_no"] in text_
    assert "L-NORD" in text_ and "K-100" in text_
    assert done["result"]["ancestors"] == 2 and done["result"]["receipts"] == 2

    missing = client.post(
        "/api/v1/reports",
        json={"type": "batch-trace", "params": {"batch_id": 999_999}},
        headers=clerk,
    )
    assert_problem(missing, 422, field="params.batch_id")


def run_job_from(client, headers, job: dict) -> dict:
    """Wait for a job submitted through a shortcut; assert it succeeded."""
    done = wait_job(client, headers, job["id"])
    assert done["status"] == "succeeded", done
    return done


def test_reorder_proposals_count_open_orders_and_name_the_last_supplier(
    client, clerk, stock, trade, optimizer
):
    wh = stock.warehouse(code="LAGER")
    loc = stock.location(wh["id"], code="A1")
    seed = stock.item(item_no="SAAT", reorder_point="100", reorder_quantity="250")
    feed = stock.item(
        item_no="FUTTER",
        reorder_point="50",
        base_price="1",
        pack_units=[{"code": "SACK", "name": "Sack 25 kg", "factor": "25"}],
    )
    lime = stock.item(item_no="KALK", reorder_point="10")
    stock.item(item_no="OHNE")  # no reorder point: never proposed
    stock.item(item_no="ALT", reorder_point="10", active=False)
    stock.receive(seed["id"], loc["id"], 40, unit_cost="2")
    stock.receive(feed["id"], loc["id"], 10, unit_cost="1")
    stock.receive(lime["id"], loc["id"], 20, unit_cost="1")
    old, new = trade.supplier(supplier_no="L-ALT"), trade.supplier(supplier_no="L-NEU")
    earlier = trade.purchase_order(
        old["id"], {"item_id": seed["id"], "quantity": 10, "unit_price": "1.80"}
    )
    trade.receive(
        earlier["id"],
        {"order_line_id": earlier["lines"][0]["id"], "quantity": 10, "location_id": loc["id"]},
    )
    trade.purchase_order(new["id"], {"item_id": seed["id"], "quantity": 30, "unit_price": "1.95"})
    trade.purchase_order(  # a draft is not on order
        new["id"], {"item_id": seed["id"], "quantity": 500, "unit_price": "1.95"}, place=False
    )
    farm = trade.customer()
    trade.sales_order(farm["id"], wh["id"], {"item_id": feed["id"], "quantity": 5}, confirm=True)

    response = client.post(
        "/api/v1/optimizations",
        json={"type": "reorder-proposals", "params": {"file_format": "xlsx"}},
        headers=clerk,
    )
    assert response.status_code == 202 and response.json()["queue"] == "optimization"
    done = run_job_from(client, clerk, response.json())
    result = done["result"]
    assert result["items_checked"] == 3 and result["proposal_count"] == 2
    feed_p, seed_p = result["proposals"]  # by item number
    # SAAT: 50 on hand + 30 on order = 80 < 100: the shortfall of 20 in one lot of 250.
    assert seed_p["item_no"] == "SAAT" and D(seed_p["available"]) == 50
    assert D(seed_p["on_order"]) == 30 and D(seed_p["projected"]) == 80
    assert D(seed_p["quantity"]) == 250
    assert seed_p["supplier"]["number"] == "L-NEU" and D(seed_p["last_unit_price"]) == D("1.95")
    # FUTTER: 10 on hand, 5 reserved: 5 available; 45 short, in sacks of 25: 50.
    assert feed_p["item_no"] == "FUTTER" and D(feed_p["available"]) == 5
    assert D(feed_p["quantity"]) == 50 and feed_p["supplier"] is None
    availability = trade.availability(feed["id"], wh["id"])
    assert D(availability["available"]) == D(feed_p["available"])

    rows = xlsx_records(result_file(client, clerk, done)[0])
    assert [(r["item_no"], r["quantity"], r["supplier_no"]) for r in rows] == [
        ("FUTTER", D(50), None),
        ("SAAT", D(250), "L-NEU"),
    ]


def test_material_shortages_of_open_production_orders(client, clerk, stock, mill, optimizer):
    wh, raw, out, wheat, soy, feed, supplier, batches = mill
    other = stock.warehouse(code="ZWEIG")

    def plan(quantity, warehouse=wh, planned=None):
        extra = {"planned_date": planned} if planned else {}
        return stock.production_order(feed["id"], quantity, warehouse["id"], **extra)

    # 600 wheat and 400 soy in stock; a released order reserves 120 and 80 of them.
    released = plan(200)
    stock.post(f"/api/v1/production-orders/{released['id']}/release", {"strict": False}, 200)
    small = plan(500)  # 300 wheat, 200 soy: there
    big = plan(1000, planned=day(3))  # 600 wheat, 400 soy: short of what is not reserved
    huge = plan(2000, planned=day(5))  # 1200 wheat, 800 soy
    far = plan(100, warehouse=other)  # nothing in that warehouse

    done = run_job(client, clerk, "optimization.material-shortages")
    result = done["result"]
    short = {o["number"]: o for o in result["orders"]}
    assert result["orders_checked"] == 5
    assert set(short) == {big["number"], huge["number"], far["number"]}
    assert small["number"] not in short
    huge_short = {s["item_no"]: s for s in short[huge["number"]]["shortages"]}
    assert D(huge_short["WEIZEN"]["needed"]) == 1200
    assert D(huge_short["WEIZEN"]["available"]) == 600 - 120
    assert D(huge_short["WEIZEN"]["missing"]) == 1200 - 480
    assert huge_short["SOJA"]["unit"] == "kg"
    # The same shortages as a strict release of that order reports.
    refused = client.post(
        f"/api/v1/production-orders/{huge['id']}/release", json={"strict": True}, headers=clerk
    )
    body = assert_problem(refused, 409, "material-shortage")
    assert body["shortages"] == [
        {k: v for k, v in s.items() if k not in ("item_no", "unit")}
        for s in short[huge["number"]]["shortages"]
    ]

    only = run_job(
        client,
        clerk,
        "optimization.material-shortages",
        {"statuses": ["planned"], "warehouse_id": other["id"]},
    )["result"]
    assert [o["number"] for o in only["orders"]] == [far["number"]]
    assert only["orders_checked"] == 1
