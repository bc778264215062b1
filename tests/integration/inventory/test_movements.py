"""Posting stock: receipts, issues, transfers, adjustments, reversals, idempotency."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select, text

from landkontor.inventory.models import LedgerEntry, StockMovement
from tests.helpers import assert_problem

URL = "/api/v1/stock/movements"


@pytest.fixture
def setup(stock):
    wh = stock.warehouse()
    a, b = stock.location(wh["id"], code="A"), stock.location(wh["id"], code="B")
    item = stock.item(
        item_no="DUENGER", pack_units=[{"code": "SACK25", "name": "Sack 25 kg", "factor": 25}]
    )
    return stock, wh, a, b, item


def test_receipt_in_pack_units_posts_base_quantity_and_value(setup):
    stock, _, a, _, item = setup
    movement = stock.receive(item["id"], a["id"], 3, unit="SACK25", unit_cost="12.50")
    line = movement["lines"][0]
    assert D(line["quantity"]) == 75
    assert (line["entered_quantity"], line["entered_unit"]) == ("3.0000", "SACK25")
    assert D(line["unit_cost"]) == D("0.5") and D(line["value"]) == D("37.5")
    assert movement["posted_by"] == "manager-user"
    assert D(stock.level(item["id"], a["id"])) == 75


def test_issue_transfer_and_adjustment_keep_levels_equal_to_the_ledger(setup, session):
    stock, _, a, b, item = setup
    stock.receive(item["id"], a["id"], 100)
    stock.issue(item["id"], a["id"], 30)
    stock.move(
        "transfer",
        {"item_id": item["id"], "location_id": a["id"], "to_location_id": b["id"], "quantity": 20},
    )
    stock.move(
        "adjustment",
        {"item_id": item["id"], "location_id": b["id"], "quantity": "-2.5"},
        reason="Schwund",
    )
    assert D(stock.level(item["id"], a["id"])) == 50
    assert D(stock.level(item["id"], b["id"])) == D("17.5")
    total = session.scalar(
        select(func.sum(LedgerEntry.quantity)).where(LedgerEntry.item_id == item["id"])
    )
    assert total == D("67.5")


def test_issue_beyond_stock_is_rejected_and_nothing_is_posted(setup, session):
    stock, _, a, _, item = setup
    stock.receive(item["id"], a["id"], 10)
    before = session.scalar(select(func.count()).select_from(StockMovement))
    response = stock.client.post(
        URL,
        json={
            "type": "issue",
            "lines": [
                {"item_id": item["id"], "location_id": a["id"], "quantity": 4},
                {"item_id": item["id"], "location_id": a["id"], "quantity": 7},
            ],
        },
        headers=stock.headers,
    )
    body = assert_problem(response, 409, "insufficient-stock")
    assert body["available"] == "6.0000" and body["requested"] == "7.0000"
    assert session.scalar(select(func.count()).select_from(StockMovement)) == before
    assert D(stock.level(item["id"], a["id"])) == 10


def test_negative_stock_when_item_allows_it(setup):
    stock, wh, a, _, _ = setup
    item = stock.item(allow_negative_stock=True)
    stock.issue(item["id"], a["id"], 5)
    assert D(stock.level(item["id"], a["id"])) == -5


def test_negative_stock_when_location_allows_it(setup):
    stock, wh, _, _, item = setup
    loose = stock.location(wh["id"], allow_negative_stock=True)
    stock.issue(item["id"], loose["id"], 2)
    assert D(stock.level(item["id"], loose["id"])) == -2


def test_batch_managed_items_need_a_batch_on_every_line(setup):
    stock, _, a, _, _ = setup
    feed = stock.item(batch_managed=True, shelf_life_days=90)
    response = stock.client.post(
        URL,
        json={
            "type": "receipt",
            "lines": [{"item_id": feed["id"], "location_id": a["id"], "quantity": 1}],
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, "invalid-input", "lines[0].batch_id")


def test_receipt_creates_the_batch_with_default_best_before(setup):
    stock, _, a, _, _ = setup
    feed = stock.item(batch_managed=True, shelf_life_days=90)
    produced = date.today() - timedelta(days=10)
    movement = stock.receive(
        feed["id"],
        a["id"],
        500,
        batch={
            "batch_no": "L-4711",
            "production_date": produced.isoformat(),
            "supplier_batch_no": "S-1",
        },
    )
    batch = stock.client.get(
        f"/api/v1/batches/{movement['lines'][0]['batch_id']}", headers=stock.headers
    ).json()
    assert batch["batch_no"] == "L-4711" and batch["origin"] == "receipt"
    assert batch["best_before"] == (produced + timedelta(days=90)).isoformat()
    # Receiving the same batch number again adds to that batch.
    again = stock.receive(feed["id"], a["id"], 100, batch={"batch_no": "L-4711"})
    assert again["lines"][0]["batch_id"] == batch["id"]
    assert D(stock.level(feed["id"], a["id"], batch["id"])) == 600


@pytest.mark.parametrize("status", ["blocked", "recalled"])
def test_blocked_and_recalled_batches_cannot_be_issued(setup, status):
    stock, _, a, _, _ = setup
    feed = stock.item(batch_managed=True)
    movement = stock.receive(feed["id"], a["id"], 10, batch={"batch_no": "C1"})
    batch_id = movement["lines"][0]["batch_id"]
    response = stock.client.post(
        f"/api/v1/batches/{batch_id}/status",
        json={"status": status, "reason": "QS-Befund"},
        headers=stock.headers,
    )
    assert response.status_code == 200, response.text
    issue = stock.client.post(
        URL,
        json={
            "type": "issue",
            "lines": [
                {"item_id": feed["id"], "location_id": a["id"], "batch_id": batch_id, "quantity": 1}
            ],
        },
        headers=stock.headers,
    )
    body = assert_problem(issue, 409, "batch-not-usable", "lines[0].batch_id")
    assert body["reason"] == status


def test_expired_batch_cannot_be_issued(setup):
    stock, _, a, _, _ = setup
    feed = stock.item(batch_managed=True)
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    movement = stock.receive(
        feed["id"], a["id"], 10, batch={"batch_no": "OLD", "best_before": yesterday}
    )
    batch_id = movement["lines"][0]["batch_id"]
    assert (
        stock.client.get(f"/api/v1/batches/{batch_id}", headers=stock.headers).json()["expired"]
        is True
    )
    issue = stock.client.post(
        URL,
        json={
            "type": "issue",
            "lines": [
                {"item_id": feed["id"], "location_id": a["id"], "batch_id": batch_id, "quantity": 1}
            ],
        },
        headers=stock.headers,
    )
    body = assert_problem(issue, 409, "batch-not-usable")
    assert body["reason"].startswith("expired")
    # Writing expired stock off is an adjustment, and that is allowed.
    stock.move(
        "adjustment",
        {"item_id": feed["id"], "location_id": a["id"], "batch_id": batch_id, "quantity": -10},
        reason="MHD abgelaufen",
    )


def test_same_idempotency_key_posts_once(setup, session):
    stock, _, a, _, item = setup
    body = {
        "type": "receipt",
        "lines": [{"item_id": item["id"], "location_id": a["id"], "quantity": 5}],
    }
    headers = {**stock.headers, "Idempotency-Key": "wareneingang-0815"}
    first = stock.client.post(URL, json=body, headers=headers)
    second = stock.client.post(URL, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert D(stock.level(item["id"], a["id"])) == 5
    changed = {**body, "reference": "other"}
    assert_problem(
        stock.client.post(URL, json=changed, headers=headers), 409, "idempotency-key-reused"
    )


def test_reversal_undoes_a_movement_exactly_once(setup):
    stock, _, a, _, item = setup
    receipt = stock.receive(item["id"], a["id"], 40, unit_cost="2")
    stock.receive(item["id"], a["id"], 10, unit_cost="4")
    url = f"{URL}/{receipt['id']}/reverse"
    reversal = stock.client.post(url, json={"reason": "Falsch erfasst"}, headers=stock.headers)
    assert reversal.status_code == 201, reversal.text
    line = reversal.json()["lines"][0]
    assert D(line["quantity"]) == -40
    assert reversal.json()["reverses_id"] == receipt["id"]
    assert D(stock.level(item["id"], a["id"])) == 10
    assert_problem(
        stock.client.post(url, json={"reason": "nochmal"}, headers=stock.headers),
        409,
        "already-reversed",
    )
    again = f"{URL}/{reversal.json()['id']}/reverse"
    assert_problem(
        stock.client.post(again, json={"reason": "zurück"}, headers=stock.headers),
        409,
        "invalid-state",
    )


def test_reversal_that_would_go_negative_is_rejected(setup):
    stock, _, a, _, item = setup
    receipt = stock.receive(item["id"], a["id"], 10)
    stock.issue(item["id"], a["id"], 8)
    response = stock.client.post(
        f"{URL}/{receipt['id']}/reverse", json={"reason": "Irrtum"}, headers=stock.headers
    )
    assert_problem(response, 409, "insufficient-stock")


def test_ledger_rows_cannot_be_changed_or_deleted(setup, db):
    stock, _, a, _, item = setup
    stock.receive(item["id"], a["id"], 10)
    for statement in ("UPDATE stock_ledger SET quantity = 99", "DELETE FROM stock_ledger"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert D(stock.level(item["id"], a["id"])) == 10


def test_clerk_posts_viewer_cannot(client, setup, clerk, viewer):
    stock, _, a, _, item = setup
    body = {
        "type": "receipt",
        "lines": [{"item_id": item["id"], "location_id": a["id"], "quantity": 1}],
    }
    assert client.post(URL, json=body, headers=clerk).status_code == 201
    assert_problem(client.post(URL, json=body, headers=viewer), 403, "forbidden")


@pytest.mark.parametrize(
    ("type_", "line", "status", "field"),
    [
        ("receipt", {"item_id": 999999, "quantity": 1}, 422, "lines[0].item_id"),
        ("receipt", {"quantity": 1, "location_id": 999999}, 422, "lines[0].location_id"),
        ("receipt", {"quantity": 0}, 422, "lines[0].quantity"),
        ("issue", {"quantity": -3}, 422, "lines[0].quantity"),
        ("receipt", {"quantity": "abc"}, 422, "lines[0].quantity"),
        ("receipt", {"quantity": 1, "unit": "l"}, 422, "lines[0].unit"),
        ("receipt", {"quantity": 1, "unit": "Fass"}, 422, "lines[0].unit"),
        ("receipt", {"quantity": "0.00001"}, 422, "lines[0].quantity"),
        ("transfer", {"quantity": 1}, 422, "lines[0].to_location_id"),
        ("issue", {"quantity": 1, "unit_cost": 3}, 422, "lines[0].unit_cost"),
        ("receipt", {"quantity": 1, "colour": "red"}, 422, "lines[0].colour"),
    ],
)
def test_bad_lines_are_named_and_change_nothing(setup, session, type_, line, status, field):
    stock, _, a, _, item = setup
    full = {"item_id": item["id"], "location_id": a["id"], **line}
    response = stock.client.post(URL, json={"type": type_, "lines": [full]}, headers=stock.headers)
    assert_problem(response, status, field=field)
    assert session.scalar(select(func.count()).select_from(StockMovement)) == 0


def test_transfer_to_the_same_location_is_rejected(setup):
    stock, _, a, _, item = setup
    stock.receive(item["id"], a["id"], 5)
    response = stock.client.post(
        URL,
        json={
            "type": "transfer",
            "lines": [
                {
                    "item_id": item["id"],
                    "location_id": a["id"],
                    "to_location_id": a["id"],
                    "quantity": 1,
                }
            ],
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, field="lines[0].to_location_id")


def test_adjustment_needs_a_reason(setup):
    stock, _, a, _, item = setup
    response = stock.client.post(
        URL,
        json={
            "type": "adjustment",
            "lines": [{"item_id": item["id"], "location_id": a["id"], "quantity": 1}],
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, "validation-error")


def test_ledger_is_newest_first_and_filterable(setup):
    stock, _, a, b, item = setup
    stock.receive(item["id"], a["id"], 10, reference="WE-1")
    stock.receive(item["id"], b["id"], 20, reference="WE-2")
    page = stock.client.get(
        "/api/v1/stock/ledger", params={"item_id": item["id"]}, headers=stock.headers
    ).json()
    assert [r["reference"] for r in page["items"]] == ["WE-2", "WE-1"]
    only_a = stock.client.get(
        "/api/v1/stock/ledger", params={"location_id": a["id"]}, headers=stock.headers
    ).json()
    assert only_a["total"] == 1 and only_a["items"][0]["movement_type"] == "receipt"
