"""Sales orders: confirmation rules, reservations, cancelling, closing, taking back deliveries."""

from decimal import Decimal as D

from landkontor.inventory.verify import verify_stock
from tests.helpers import assert_problem


def line(item, quantity, **fields):
    return {"item_id": item["id"], "quantity": str(quantity), **fields}


def reserved(trade, shop, item):
    return D(trade.availability(item["id"], shop["wh"]["id"])["reserved"])


def test_credit_limit_counts_open_orders_and_unpaid_invoices(trade, shop):
    group = trade.group(credit_limit="1000")
    customer = trade.customer(group_id=group["id"])
    first = trade.sales_order(customer["id"], shop["wh"]["id"], line(shop["seed"], 200))
    assert D(first["gross_total"]) == D("428.00")  # 400.00 net + 7 %
    trade.post(f"/sales-orders/{first['id']}/confirm", status=200)
    second = trade.sales_order(customer["id"], shop["wh"]["id"], line(shop["seed"], 300))
    refused = trade.call("POST", f"/sales-orders/{second['id']}/confirm")
    body = assert_problem(refused, 409, "credit-limit-exceeded")
    assert (body["open_orders"], body["order_value"], body["credit_limit"]) == (
        "428.00",
        "642.00",
        "1000.0000",
    )
    assert trade.order(second["id"])["status"] == "draft"
    assert reserved(trade, shop, shop["seed"]) == 200

    # Delivered and invoiced, the first order is an open receivable: still too much.
    trade.deliver(first["id"])
    invoice = trade.invoice(first["id"])
    credit = trade.get(f"/customers/{customer['id']}/credit")
    assert (D(credit["open_receivables"]), D(credit["open_orders"])) == (D("428.00"), 0)
    assert D(credit["available"]) == D("572.00") and credit["credit_limit_source"].startswith(
        "group"
    )
    assert_problem(trade.call("POST", f"/sales-orders/{second['id']}/confirm"), 409)
    # Paid, it no longer counts.
    trade.post(f"/invoices/{invoice['id']}/payment", {"paid_on": "2026-01-15"}, status=200)
    assert trade.post(f"/sales-orders/{second['id']}/confirm", status=200)["status"] == "confirmed"


def test_confirming_more_than_available_reserves_nothing(trade, shop):
    order = trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["seed"], 100), line(shop["feed"], 201)
    )
    body = assert_problem(
        trade.call("POST", f"/sales-orders/{order['id']}/confirm"), 409, "insufficient-stock"
    )
    assert body["available"] == "200.0000"
    assert trade.order(order["id"])["status"] == "draft"
    assert reserved(trade, shop, shop["seed"]) == 0


def test_draft_lines_can_change_confirmed_ones_cannot(trade, shop):
    order = trade.sales_order(shop["customer"]["id"], shop["wh"]["id"], line(shop["seed"], 1))
    order = trade.post(
        f"/sales-orders/{order['id']}/lines",
        line(shop["feed"], 4, unit_price="0.90", discount_percent="5"),
    )
    manual = order["lines"][1]
    assert manual["price_source"] == "manual" and D(manual["unit_price"]) == D("0.855")
    assert D(manual["net_amount"]) == D("3.42")
    order = trade.call(
        "DELETE", f"/sales-orders/{order['id']}/lines/{order['lines'][0]['id']}", status=200
    ).json()
    assert [ln["line_no"] for ln in order["lines"]] == [2]
    trade.post(f"/sales-orders/{order['id']}/confirm", status=200)
    response = trade.call("POST", f"/sales-orders/{order['id']}/lines", line(shop["seed"], 1))
    assert_problem(response, 409, "invalid-state")


def test_cancelling_releases_the_reservation(trade, shop):
    order = trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["feed"], 150), confirm=True
    )
    assert reserved(trade, shop, shop["feed"]) == 150
    cancelled = trade.post(f"/sales-orders/{order['id']}/cancel", status=200)
    assert cancelled["status"] == "cancelled" and reserved(trade, shop, shop["feed"]) == 0


def test_a_partly_delivered_order_is_closed_not_cancelled(trade, shop):
    order = trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["seed"], 100), confirm=True
    )
    trade.deliver(order["id"], {"order_line_id": order["lines"][0]["id"], "quantity": 30})
    assert_problem(trade.call("POST", f"/sales-orders/{order['id']}/cancel"), 409, "invalid-state")
    # Delivered goods must be invoiced before closing.
    assert_problem(trade.call("POST", f"/sales-orders/{order['id']}/close"), 409, "invalid-state")
    trade.invoice(order["id"])
    assert trade.order(order["id"])["status"] == "partially_delivered"
    closed = trade.post(f"/sales-orders/{order['id']}/close", status=200)
    assert closed["status"] == "closed" and reserved(trade, shop, shop["seed"]) == 0
    assert_problem(
        trade.call("POST", f"/sales-orders/{order['id']}/deliveries"), 409, "invalid-state"
    )


def test_explicit_batch_and_location_are_taken(trade, shop, stock):
    order = trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["feed"], 50), confirm=True
    )
    f2 = stock.levels(item_id=shop["feed"]["id"], location_id=shop["b"]["id"])[0]["batch_id"]
    delivery = trade.deliver(
        order["id"],
        {"order_line_id": order["lines"][0]["id"], "quantity": 20, "batch_id": f2},
        {"order_line_id": order["lines"][0]["id"], "quantity": 10, "location_id": shop["b"]["id"]},
    )
    assert [(dl["batch_id"], D(dl["quantity"])) for dl in delivery["lines"]] == [
        (f2, D(20)),
        (f2, D(10)),
    ]
    elsewhere = stock.location(stock.warehouse()["id"])
    response = trade.call(
        "POST",
        f"/sales-orders/{order['id']}/deliveries",
        {
            "lines": [
                {
                    "order_line_id": order["lines"][0]["id"],
                    "quantity": 1,
                    "location_id": elsewhere["id"],
                }
            ]
        },
    )
    assert_problem(response, 422, "invalid-input", "lines[0].location_id")


def test_cancelling_a_delivery_brings_the_stock_back_and_reserves_it_again(
    trade, shop, stock, session
):
    order = trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["feed"], 120), confirm=True
    )
    delivery = trade.deliver(order["id"])
    assert stock.level(shop["feed"]["id"], shop["a"]["id"], delivery["lines"][0]["batch_id"]) == (
        "0.0000"
    )
    assert_problem(
        trade.call("POST", f"/deliveries/{delivery['id']}/cancel", {"reason": "Falsch"}),
        403,
        "forbidden",
    )
    cancelled = trade.post(
        f"/deliveries/{delivery['id']}/cancel",
        {"reason": "LKW nicht abgefahren"},
        as_="manager",
        status=200,
    )
    assert cancelled["status"] == "cancelled" and cancelled["reversal_movement_id"]
    reversal = trade.get(f"/stock/movements/{cancelled['reversal_movement_id']}")
    assert (reversal["document_type"], reversal["document_id"]) == ("delivery", delivery["id"])
    assert reversal["reverses_id"] == delivery["movement_id"]
    state = trade.order(order["id"])
    assert state["status"] == "confirmed" and D(state["lines"][0]["reserved_quantity"]) == 120
    assert (
        D(stock.level(shop["feed"]["id"], shop["a"]["id"], delivery["lines"][0]["batch_id"])) == 100
    )
    assert_problem(
        trade.call(
            "POST", f"/deliveries/{delivery['id']}/cancel", {"reason": "nochmal"}, as_="manager"
        ),
        409,
        "invalid-state",
    )
    # An invoiced delivery is corrected by credit note, not cancelled.
    again = trade.deliver(order["id"])
    trade.invoice(order["id"])
    assert_problem(
        trade.call(
            "POST", f"/deliveries/{again['id']}/cancel", {"reason": "zu spät"}, as_="manager"
        ),
        409,
        "invalid-state",
    )
    session.expire_all()
    assert verify_stock(session) == []


def test_viewers_cannot_order(client, viewer, shop):
    body = {"customer_id": shop["customer"]["id"], "warehouse_id": shop["wh"]["id"], "lines": []}
    assert_problem(client.post("/api/v1/sales-orders", json=body, headers=viewer), 403)


def test_lines_without_a_price_name_the_line(trade, shop, stock):
    unpriced = stock.item()
    body = {
        "customer_id": shop["customer"]["id"],
        "warehouse_id": shop["wh"]["id"],
        "lines": [line(shop["seed"], 1), line(unpriced, 1)],
    }
    assert_problem(trade.call("POST", "/sales-orders", body), 409, "no-price", "lines[1].item_id")
    order = trade.sales_order(shop["customer"]["id"], shop["wh"]["id"])
    response = trade.call("POST", f"/sales-orders/{order['id']}/lines", line(shop["seed"], 0))
    assert_problem(response, 422, "validation-error", "quantity")
    response = trade.call(
        "POST", f"/sales-orders/{order['id']}/lines", line(shop["seed"], 1, unit="Fass")
    )
    assert_problem(response, 422, "invalid-input", "unit")
    assert_problem(trade.call("POST", f"/sales-orders/{order['id']}/confirm"), 409, "invalid-state")


def test_two_items_without_batches_in_one_location_are_both_delivered(trade, shop, stock):
    # Picking counts what it took per item, location and batch: the seed taken from A
    # must not use up what A holds of another item (found by the demo data).
    twine = stock.item(item_no="GARN", name="Bindegarn", base_unit="Stk", base_price="24.50")
    stock.receive(twine["id"], shop["a"]["id"], 5, unit_cost="18.00")
    order = trade.sales_order(
        shop["customer"]["id"],
        shop["wh"]["id"],
        line(shop["seed"], 10),
        line(twine, 4),
        confirm=True,
    )
    delivery = trade.deliver(order["id"])
    assert sorted(D(x["quantity"]) for x in delivery["lines"]) == [D(4), D(10)]
    assert stock.level(twine["id"], shop["a"]["id"]) == "1.0000"
