"""Opening stock imported through real workers: receipts through the ledger, bad rows,
each balance posted once — also when the file comes again and when a worker is killed."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from landkontor.inventory.models import Batch, LedgerEntry, StockMovement
from landkontor.inventory.verify import verify_stock
from tests.factories import Stock
from tests.jobs_helpers import get_job, upload_import, wait_job
from tests.jobs_support import wait_until

HEADER = "item_no;warehouse;location;batch_no;best_before;quantity;unit;unit_cost\n"
GOOD = (
    "WEIZEN;HAUPT;A1;W-1;31.12.2027;1000;kg;0,25\n"  # row 2
    "WEIZEN;HAUPT;A2;W-1;;500;kg;0,25\n"  # row 3: the same batch at another location
    "DUENGER;HAUPT;A1;;;2;t;300\n"  # row 4: 2 t of an item kept in kg, 300 EUR per t
)
BAD = (
    "NIX;HAUPT;A1;;;5;kg;1\n"  # row 5: unknown item
    "WEIZEN;HAUPT;A9;W-2;;5;kg;1\n"  # row 6: unknown location
    "WEIZEN;HAUPT;A1;;;5;kg;1\n"  # row 7: batch-managed, no batch
    "DUENGER;HAUPT;A2;D-1;;5;kg;1\n"  # row 8: not batch-managed
    "WEIZEN;HAUPT;A2;W-3;;-5;kg;1\n"  # row 9: negative quantity
    "WEIZEN;HAUPT;A1;W-1;;7;kg;1\n"  # row 10: repeats row 2
    "WEIZEN;HAUPT;HALLE;W-4;;5;kg;1\n"  # row 11: a location with sub-locations
    "WEIZEN;HAUPT;A2;W-5;;5;kg;\n"  # row 12: no unit cost
)


def _count(session, *criteria, model=StockMovement) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model).where(*criteria))
    finally:
        session.rollback()


def _import(client, manager, content: bytes, **form) -> dict:
    job = upload_import(client, manager, content, filename="anfangsbestand.csv", **form)
    assert job["type"] == "import.opening-stock" and job["queue"] == "imports"
    return wait_job(client, manager, job["id"], timeout=120)


@pytest.fixture
def depot(stock):
    wh = stock.warehouse(code="HAUPT")
    hall = stock.location(wh["id"], code="HALLE", kind="hall")
    stock.location(wh["id"], code="BOX", parent_id=hall["id"])
    a1 = stock.location(wh["id"], code="A1")
    a2 = stock.location(wh["id"], code="A2")
    wheat = stock.item(item_no="WEIZEN", batch_managed=True, shelf_life_days=365)
    fertiliser = stock.item(item_no="DUENGER")
    return wh, a1, a2, wheat, fertiliser


def test_opening_stock_posts_receipts_and_reports_bad_rows(
    client, manager, stock, depot, worker, session
):
    wh, a1, a2, wheat, fertiliser = depot
    content = (HEADER + GOOD + BAD).encode()
    done = _import(client, manager, content, type="opening-stock")
    assert done["status"] == "succeeded", done
    result = done["result"]
    assert (result["rows"], result["created"], result["rejected"]) == (11, 3, 8), result
    errors = {e["row"]: e for e in result["errors"]}
    assert sorted(errors) == list(range(5, 13))
    assert errors[5]["field"] == "item_no" and "NIX" in errors[5]["message"]
    assert errors[6]["field"] == "location" and "A9" in errors[6]["message"]
    assert errors[7]["field"] == "batch_no" and "needs a batch" in errors[7]["message"]
    assert errors[8]["field"] == "batch_no" and "not batch-managed" in errors[8]["message"]
    assert errors[9]["field"] == "quantity"
    assert "repeats row 2" in errors[10]["message"]
    assert errors[11]["field"] == "location" and "sub-locations" in errors[11]["message"]
    assert errors[12]["field"] == "unit_cost"

    assert D(stock.level(wheat["id"], a1["id"], _batch(stock, wheat, "W-1"))) == 1000
    assert D(stock.level(wheat["id"], a2["id"], _batch(stock, wheat, "W-1"))) == 500
    assert D(stock.level(fertiliser["id"], a1["id"])) == 2000
    batch = client.get(f"/api/v1/batches/{_batch(stock, wheat, 'W-1')}", headers=manager).json()
    assert batch["best_before"] == "2027-12-31"
    values = client.get("/api/v1/stock/valuation", headers=manager).json()
    assert {r["item_no"]: D(r["value"]) for r in values["rows"]} == {
        "DUENGER": D(600),
        "WEIZEN": D(375),
    }
    movements = client.get("/api/v1/stock/ledger?reference=opening-stock", headers=manager).json()
    assert movements["total"] == 3
    assert {m["movement_type"] for m in movements["items"]} == {"receipt"}
    assert {m["posted_by"] for m in movements["items"]} == {"manager-user"}

    again = _import(client, manager, content, type="opening-stock")
    assert (again["result"]["created"], again["result"]["unchanged"]) == (0, 3)
    assert _count(session) == 3 and verify_stock(session) == []

    changed = content.replace(b"A2;W-1;;500;", b"A2;W-1;;550;")
    third = _import(client, manager, changed, type="opening-stock")["result"]
    assert third["unchanged"] == 2
    refused = {e["row"]: e["message"] for e in third["errors"]}[3]
    assert "posted with other values" in refused and "adjustment" in refused
    assert _count(session) == 3


def _batch(stock, item, batch_no) -> int:
    response = stock.client.get(
        f"/api/v1/batches?item_id={item['id']}&batch_no={batch_no}", headers=stock.headers
    )
    return response.json()["items"][0]["id"]


@pytest.mark.slow
def test_opening_stock_killed_mid_import_posts_every_balance_once(private, manager, session):
    rows = 800
    client, manager_headers = private.client, manager
    _master_data(client, manager_headers)
    content = HEADER + "".join(f"WEIZEN;HAUPT;A1;OB-{n:05d};;10;kg;0,20\n" for n in range(rows))
    private.process("beat")
    first = private.worker("--queues", "default,imports", concurrency=1)
    job = upload_import(
        client,
        manager_headers,
        content.encode(),
        filename="anfang.csv",
        type="opening-stock",
        params='{"chunk_size": 10}',
    )
    wait_until(
        lambda: get_job(client, manager_headers, job["id"])["progress"] > 0,
        60,
        0.05,
        "import running",
    )
    first.kill()
    private.worker("--queues", "default,imports", concurrency=1)
    done = wait_job(client, manager_headers, job["id"], timeout=180)
    assert done["status"] == "succeeded", done
    assert [a["outcome"] for a in done["attempt_log"]] == ["lost", "succeeded"]
    result = done["result"]
    assert result["created"] + result["unchanged"] == rows and result["unchanged"] > 0
    assert result["rejected"] == 0
    assert _count(session, StockMovement.reference == "opening-stock") == rows
    assert _count(session, model=LedgerEntry) == rows
    assert _count(session, model=Batch) == rows
    total = session.scalar(select(func.sum(LedgerEntry.quantity)))
    session.rollback()
    assert total == 10 * rows
    assert verify_stock(session) == []


def _master_data(client, headers) -> None:
    stock = Stock(client, headers)
    wh = stock.warehouse(code="HAUPT")
    stock.location(wh["id"], code="A1")
    stock.item(item_no="WEIZEN", batch_managed=True, shelf_life_days=365)
