"""Purchase orders and goods receipts: batches, tolerance, reversal while the stock is there."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def ordered(stock, trade):
    wh = stock.warehouse()
    silo = stock.location(wh["id"], code="SILO-1", kind="silo")
    barley = stock.item(item_no="GERSTE", name="Futtergerste", batch_managed=True)
    supplier = trade.supplier()
    order = trade.purchase_order(
        supplier["id"], {"item_id": barley["id"], "quantity": 10, "unit": "t", "unit_price": "0.18"}
    )
    return {"silo": silo, "item": barley, "supplier": supplier, "order": order}


def receipt_line(ordered, quantity, batch_no="E-1", **fields):
    return {
        "order_line_id": ordered["order"]["lines"][0]["id"],
        "quantity": str(quantity),
        "location_id": ordered["silo"]["id"],
        "batch": {"batch_no": batch_no},
        **fields,
    }


def test_order_converts_to_the_base_unit_and_prices_per_base_unit(ordered):
    line = ordered["order"]["lines"][0]
    assert (D(line["quantity"]), line["entered_unit"]) == (D(10000), "t")
    assert D(line["net_amount"]) == D("1800.00")
    assert D(ordered["order"]["net_total"]) == D("1800.00")


def test_over_receipt_within_the_tolerance_only(trade, ordered, stock):
    order_id = ordered["order"]["id"]
    trade.receive(order_id, receipt_line(ordered, 10400))
    # 5 % tolerance: 10 500 kg at most.
    response = trade.call(
        "POST",
        f"/purchase-orders/{order_id}/receipts",
        {"lines": [receipt_line(ordered, 60), receipt_line(ordered, 41, batch_no="E-2")]},
    )
    body = assert_problem(response, 409, "over-receipt", "lines[1].quantity")
    assert body["allowed"] == "10500.0000"
    assert trade.get("/batches", batch_no="E-2")["total"] == 0
    assert trade.get("/goods-receipts", purchase_order_id=order_id)["total"] == 1
    assert sum(D(r["quantity"]) for r in stock.levels(item_id=ordered["item"]["id"])) == 10400
    trade.receive(order_id, receipt_line(ordered, 100))
    order = trade.get(f"/purchase-orders/{order_id}")
    assert order["status"] == "received" and D(order["lines"][0]["received_quantity"]) == 10500


def test_existing_batch_numbers_are_reused_and_batches_are_required(trade, ordered):
    order_id = ordered["order"]["id"]
    first = trade.receive(order_id, receipt_line(ordered, 1000))
    again = trade.receive(order_id, receipt_line(ordered, 500))
    assert first["lines"][0]["batch_id"] == again["lines"][0]["batch_id"]
    response = trade.call(
        "POST",
        f"/purchase-orders/{order_id}/receipts",
        {"lines": [{**receipt_line(ordered, 1), "batch": None}]},
    )
    assert_problem(response, 422, "invalid-input", "lines[0].batch")


def test_best_before_defaults_from_shelf_life(trade, stock):
    wh = stock.warehouse()
    loc = stock.location(wh["id"])
    feed = stock.item(batch_managed=True, shelf_life_days=90)
    supplier = trade.supplier()
    order = trade.purchase_order(
        supplier["id"], {"item_id": feed["id"], "quantity": 5, "unit_price": "1"}
    )
    receipt = trade.receive(
        order["id"],
        {
            "order_line_id": order["lines"][0]["id"],
            "quantity": 5,
            "batch": {"batch_no": "P-1", "production_date": date.today().isoformat()},
        },
        location_id=loc["id"],
    )
    batch = trade.get(f"/batches/{receipt['lines'][0]['batch_id']}")
    assert batch["best_before"] == (date.today() + timedelta(days=90)).isoformat()
    assert batch["origin"] == "receipt" and batch["supplier_id"] == supplier["id"]


def test_reversal_while_the_stock_is_there(trade, ordered, stock):
    order_id = ordered["order"]["id"]
    receipt = trade.receive(order_id, receipt_line(ordered, 4000))
    assert_problem(
        trade.call("POST", f"/goods-receipts/{receipt['id']}/reverse", {"reason": "falsch"}), 403
    )
    reversed_ = trade.post(
        f"/goods-receipts/{receipt['id']}/reverse",
        {"reason": "falscher Artikel"},
        as_="manager",
        status=200,
    )
    assert reversed_["status"] == "reversed" and reversed_["reversal_movement_id"]
    order = trade.get(f"/purchase-orders/{order_id}")
    assert order["status"] == "ordered" and D(order["lines"][0]["received_quantity"]) == 0
    assert (
        D(
            stock.level(
                ordered["item"]["id"], ordered["silo"]["id"], receipt["lines"][0]["batch_id"]
            )
        )
        == 0
    )
    valuation = trade.get("/stock/valuation", item_id=ordered["item"]["id"])
    assert valuation["rows"] == []
    assert_problem(
        trade.call(
            "POST", f"/goods-receipts/{receipt['id']}/reverse", {"reason": "nochmal"}, as_="manager"
        ),
        409,
        "invalid-state",
    )


def test_no_reversal_once_the_stock_is_gone(trade, ordered, stock):
    receipt = trade.receive(ordered["order"]["id"], receipt_line(ordered, 3000))
    batch_id = receipt["lines"][0]["batch_id"]
    stock.issue(ordered["item"]["id"], ordered["silo"]["id"], 1000, batch_id=batch_id)
    response = trade.call(
        "POST", f"/goods-receipts/{receipt['id']}/reverse", {"reason": "zu spät"}, as_="manager"
    )
    assert_problem(response, 409, "insufficient-stock")
    assert trade.get(f"/goods-receipts/{receipt['id']}")["status"] == "posted"
    assert D(stock.level(ordered["item"]["id"], ordered["silo"]["id"], batch_id)) == 2000


def test_receipts_need_an_ordered_purchase_order(trade, ordered):
    draft = trade.purchase_order(
        ordered["supplier"]["id"],
        {"item_id": ordered["item"]["id"], "quantity": 1, "unit_price": "1"},
        place=False,
    )
    response = trade.call(
        "POST",
        f"/purchase-orders/{draft['id']}/receipts",
        {"lines": [{"order_line_id": draft["lines"][0]["id"], "quantity": 1}]},
    )
    assert_problem(response, 409, "invalid-state")
    order_id = ordered["order"]["id"]
    trade.receive(order_id, receipt_line(ordered, 10))
    assert_problem(trade.call("POST", f"/purchase-orders/{order_id}/cancel"), 409, "invalid-state")
    assert trade.post(f"/purchase-orders/{order_id}/close", status=200)["status"] == "closed"
    assert_problem(
        trade.call(
            "POST", f"/purchase-orders/{order_id}/receipts", {"lines": [receipt_line(ordered, 1)]}
        ),
        409,
        "invalid-state",
    )


def test_blocked_supplier_gets_no_orders(trade, ordered):
    blocked = trade.supplier(blocked=True, blocked_reason="Zertifikat abgelaufen")
    body = {"supplier_id": blocked["id"], "lines": []}
    response = trade.call("POST", "/purchase-orders", body)
    problem = assert_problem(response, 409, "supplier-blocked")
    assert "Zertifikat" in problem["detail"]
    assert trade.get("/purchase-orders")["total"] == 1
