"""Stock exports, the valuation report and the stock verify through a real worker; the files
hold what the API answers for the same filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from landkontor.common.clock import end_of_business_day
from landkontor.jobs.celery_app import beat_schedule
from landkontor.jobs.pdf import number
from tests.jobs_helpers import (
    csv_records,
    pdf_pages,
    result_file,
    run_job,
    wait_job,
    xlsx_records,
)


@pytest.fixture
def books(stock):
    """Two warehouses with stock in batches, a transfer and an issue."""
    north = stock.warehouse(code="NORD")
    south = stock.warehouse(code="SUED")
    silo = stock.location(north["id"], code="SILO1", kind="silo")
    hall = stock.location(north["id"], code="HALLE", kind="hall")
    bin_ = stock.location(north["id"], code="FACH1", parent_id=hall["id"])
    shelf = stock.location(south["id"], code="REGAL")
    wheat = stock.item(item_no="WEIZEN", name="Weizen", batch_managed=True)
    lime = stock.item(item_no="KALK", name="Kalk")
    first = stock.receive(
        wheat["id"], silo["id"], 1000, unit_cost="0.20", batch={"batch_no": "W-1"}
    )
    batch = first["lines"][0]["batch_id"]
    stock.receive(wheat["id"], shelf["id"], 300, unit_cost="0.26", batch={"batch_no": "W-2"})
    stock.receive(lime["id"], bin_["id"], 40, unit="t", unit_cost="80")
    stock.move(
        "transfer",
        {
            "item_id": wheat["id"],
            "location_id": silo["id"],
            "to_location_id": bin_["id"],
            "batch_id": batch,
            "quantity": "250",
        },
    )
    stock.issue(wheat["id"], silo["id"], 100, batch_id=batch)
    return {
        "north": north,
        "south": south,
        "silo": silo,
        "hall": hall,
        "bin": bin_,
        "shelf": shelf,
        "wheat": wheat,
        "lime": lime,
    }


def _api_levels(client, headers, **params) -> list[dict]:
    response = client.get("/api/v1/stock/levels", params={"limit": 500, **params}, headers=headers)
    return response.json()["items"]


def test_stock_level_exports_match_the_api(client, clerk, books, worker):
    north = books["north"]["id"]
    response = client.post(
        "/api/v1/exports",
        json={"type": "stock-levels", "params": {"warehouse_id": north}},
        headers=clerk,
    )
    assert response.status_code == 202 and response.json()["type"] == "export.stock-levels"
    job = wait_job(client, clerk, response.json()["id"])
    assert job["status"] == "succeeded" and job["queue"] == "exports", job
    content, content_type = result_file(client, clerk, job)
    assert content_type.startswith("text/csv")
    records = csv_records(content)
    expected = _api_levels(client, clerk, warehouse_id=north)
    assert [
        (r["item_no"], r["location"], r["batch_no"] or None, D(r["quantity"])) for r in records
    ] == [(e["item_no"], e["location_code"], e["batch_no"], D(e["quantity"])) for e in expected]
    assert {r["warehouse"] for r in records} == {"NORD"} and job["result"]["rows"] == 3
    assert {r["item_name"] for r in records} == {"Weizen", "Kalk"}

    hall = books["hall"]["id"]
    done = run_job(client, clerk, "export.stock-levels", {"format": "xlsx", "location_id": hall})
    rows = xlsx_records(result_file(client, clerk, done)[0])
    assert [(r["item_no"], r["location"], r["quantity"]) for r in rows] == [
        ("KALK", "FACH1", D("40000")),
        ("WEIZEN", "FACH1", D("250")),
    ]
    assert rows[1]["batch_no"] == "W-1" and rows[1]["batch_status"] == "released"


def test_ledger_exports_match_the_api_and_stream_in_batches(client, clerk, books, worker):
    wheat = books["wheat"]["id"]
    api = client.get(
        "/api/v1/stock/ledger", params={"item_id": wheat, "limit": 500}, headers=clerk
    ).json()["items"]
    done = run_job(client, clerk, "export.ledger", {"item_id": wheat})
    records = csv_records(result_file(client, clerk, done)[0])
    assert [int(r["line_id"]) for r in records] == sorted(line["id"] for line in api)
    by_id = {line["id"]: line for line in api}
    for record in records:
        line = by_id[int(record["line_id"])]
        assert D(record["quantity"]) == D(line["quantity"])
        assert D(record["value"]) == D(line["value"])
        assert record["movement_type"] == line["movement_type"]
    assert {r["item_no"] for r in records} == {"WEIZEN"}
    assert done["result"]["rows"] == len(api) == 5  # two receipts, a transfer (2), an issue

    # Filters as the API's: a location subtree, a warehouse, a period.
    hall = books["hall"]["id"]
    done = run_job(client, clerk, "export.ledger", {"format": "xlsx", "location_id": hall})
    rows = xlsx_records(result_file(client, clerk, done)[0])
    assert [(r["item_no"], r["location"], r["quantity"]) for r in rows] == [
        ("KALK", "FACH1", D("40000")),
        ("WEIZEN", "FACH1", D("250")),
    ]
    south = books["south"]["id"]
    done = run_job(client, clerk, "export.ledger", {"warehouse_id": south})
    assert [r["batch_no"] for r in csv_records(result_file(client, clerk, done)[0])] == ["W-2"]
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    done = run_job(client, clerk, "export.ledger", {"posted_from": f"{tomorrow}T00:00:00Z"})
    assert done["result"]["rows"] == 0
    assert csv_records(result_file(client, clerk, done)[0]) == []


def test_valuation_report_matches_the_api(client, clerk, books, worker, settings):
    done = run_job(
        client, clerk, "report.stock-valuation", {"format": "xlsx", "by_warehouse": True}
    )
    assert done["queue"] == "reports"
    content, content_type = result_file(client, clerk, done)
    assert content_type.startswith("application/vnd.openxmlformats")
    rows = xlsx_records(content)
    api = client.get("/api/v1/stock/valuation?by_warehouse=true", headers=clerk).json()
    codes = {books["north"]["id"]: "NORD", books["south"]["id"]: "SUED"}
    assert [(r["item_no"], r["warehouse"], r["quantity"], r["value"]) for r in rows[:-1]] == [
        (a["item_no"], codes[a["warehouse_id"]], D(a["quantity"]), D(a["value"]))
        for a in api["rows"]
    ]
    assert rows[-1]["item_name"] == "total" and rows[-1]["value"] == D(api["total_value"])
    assert D(done["result"]["total_value"]) == D(api["total_value"])

    today = date.today()
    as_of = end_of_business_day(today, settings).isoformat()
    api = client.get("/api/v1/stock/valuation", params={"as_of": as_of}, headers=clerk).json()
    done = run_job(client, clerk, "report.stock-valuation", {"as_of": today.isoformat()})
    pages = pdf_pages(result_file(client, clerk, done)[0])
    text_ = "\n".join(pages)
    assert "Bestandsbewertung" in text_ and f"Stichtag {today.isoformat()}" in text_
    for row in api["rows"]:
        assert row["item_no"] in text_ and number(D(row["value"])) in text_
    assert number(D(api["total_value"])) in text_
    assert D(done["result"]["total_value"]) == D(api["total_value"])

    before = (today - timedelta(days=3)).isoformat()
    done = run_job(client, clerk, "report.stock-valuation", {"as_of": before, "format": "xlsx"})
    assert done["result"]["rows"] == 0 and D(done["result"]["total_value"]) == 0


def test_verify_stock_lists_mismatches_and_runs_nightly(
    client, manager, books, worker, db, settings
):
    schedule = beat_schedule(settings)["submit maintenance.verify-stock"]
    assert schedule["args"] == ["maintenance.verify-stock"]
    assert schedule["schedule"].hour == {2} and schedule["schedule"].minute == {43}

    from landkontor.jobs.tasks import submit_scheduled  # what beat runs at that time

    nightly = wait_job(client, manager, submit_scheduled("maintenance.verify-stock"))
    assert nightly["status"] == "succeeded" and nightly["submitted_by"] is None
    assert nightly["result"]["ok"] is True and nightly["result"]["mismatches"] == []

    with db.engine.begin() as connection:  # a level that no longer equals its ledger
        connection.execute(
            text("UPDATE stock_levels SET quantity = quantity + 1 WHERE location_id = :loc"),
            {"loc": books["shelf"]["id"]},
        )
    done = run_job(client, manager, "maintenance.verify-stock")
    result = done["result"]
    assert result["ok"] is False and result["mismatch_count"] == 1
    [mismatch] = result["mismatches"]
    assert mismatch["kind"] == "level" and mismatch["item_no"] == "WEIZEN"
    assert mismatch["location_id"] == books["shelf"]["id"]
    assert D(mismatch["recorded_quantity"]) - D(mismatch["ledger_quantity"]) == 1
