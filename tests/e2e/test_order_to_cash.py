"""Procure to pay and order to cash through HTTP: every step moves stock through the ledger.

A purchase order is received into two batches at the order price (moving average); a
customer in a discounted sub-group gets its parent group's price list; the order is
reserved, delivered in two parts first expired first out (never from the recalled batch)
and invoiced with VAT per rate. Levels, reservations, ledger and valuation are checked at
every step and the books verified at the end.
"""

from datetime import date, timedelta
from decimal import Decimal as D

from landkontor.common.clock import business_today
from landkontor.inventory.verify import verify_stock
from landkontor.settings import get_settings
from tests.helpers import assert_problem


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def levels(stock, item_id):
    return {
        (row["location_code"], row["batch_no"]): D(row["quantity"])
        for row in stock.levels(item_id=item_id, include_zero=True)
    }


def valuation(trade, item_id):
    rows = trade.get("/stock/valuation", item_id=item_id)["rows"]
    return (D(rows[0]["quantity"]), D(rows[0]["value"])) if rows else (D(0), D(0))


def ledger(trade, **params):
    return trade.get("/stock/ledger", limit=100, **params)["items"]


def test_purchase_receive_price_reserve_deliver_fefo_and_invoice(stock, trade, session):
    wh = stock.warehouse(code="HAUPT")
    a, b = stock.location(wh["id"], code="A"), stock.location(wh["id"], code="B")
    feed = stock.item(
        item_no="MLF-18",
        name="Milchleistungsfutter 18/4",
        batch_managed=True,
        vat_category="reduced",
        base_price="0.80",
        pack_units=[{"code": "SACK25", "name": "Sack 25 kg", "factor": 25}],
    )
    item = feed["id"]
    # Old stock, earliest best-before: it will be recalled and must never be delivered.
    old = stock.receive(
        item, a["id"], 200, unit_cost="0.40", batch={"batch_no": "ALT-1", "best_before": day(20)}
    )
    old_batch = old["lines"][0]["batch_id"]

    # --- purchase: ordered 1000 kg at 0.50, received into two batches ------------------
    supplier = trade.supplier(vat_id="DE136695976")
    po = trade.purchase_order(
        supplier["id"], {"item_id": item, "quantity": 1000, "unit_price": "0.50"}
    )
    assert po["status"] == "ordered" and po["order_no"].startswith("BE-")
    po_line = po["lines"][0]["id"]
    first = trade.receive(
        po["id"],
        {
            "order_line_id": po_line,
            "quantity": 600,
            "location_id": a["id"],
            "batch": {"batch_no": "CH-1", "supplier_batch_no": "S-77", "best_before": day(30)},
        },
        delivery_note_no="LS-4711",
    )
    assert trade.get(f"/purchase-orders/{po['id']}")["status"] == "partially_received"
    batch_1 = first["lines"][0]["batch_id"]
    batch = trade.get(f"/batches/{batch_1}")
    assert (batch["supplier_id"], batch["supplier_batch_no"]) == (supplier["id"], "S-77")
    [receipt_line] = ledger(trade, movement_id=first["movement_id"])
    assert (receipt_line["document_type"], receipt_line["document_id"]) == (
        "goods_receipt",
        first["id"],
    )
    assert D(receipt_line["unit_cost"]) == D("0.5")
    assert valuation(trade, item) == (D(800), D(380))  # 80 + 300

    second = trade.receive(
        po["id"],
        {
            "order_line_id": po_line,
            "quantity": 16,
            "unit": "SACK25",
            "location_id": b["id"],
            "batch": {"batch_no": "CH-2", "best_before": day(60)},
        },
    )
    batch_2 = second["lines"][0]["batch_id"]
    assert D(second["lines"][0]["quantity"]) == 400
    purchase = trade.get(f"/purchase-orders/{po['id']}")
    assert purchase["status"] == "received" and D(purchase["lines"][0]["received_quantity"]) == 1000
    assert valuation(trade, item) == (D(1200), D(580))
    assert D(trade.get("/stock/valuation", item_id=item)["rows"][0]["average_cost"]) == D(
        "0.483333"
    )
    assert levels(stock, item) == {("A", "ALT-1"): 200, ("A", "CH-1"): 600, ("B", "CH-2"): 400}

    recall = stock.client.post(
        f"/api/v1/batches/{old_batch}/status",
        json={"status": "recalled", "reason": "Mykotoxin-Befund"},
        headers=stock.headers,
    )
    assert recall.status_code == 200, recall.text

    # --- pricing: parent group's price list (break from 500 kg), sub-group's discount ---
    price_list = trade.price_list(
        {"item_id": item, "unit_price": "0.75"},
        {"item_id": item, "unit_price": "0.70", "min_quantity": 500},
    )
    farmers = trade.group(code="LANDWIRTE", price_list_id=price_list["id"])
    big = trade.group(code="GROSS", parent_id=farmers["id"], discount_percent="10")
    customer = trade.customer(group_id=big["id"], vat_id="DE812345673")
    quote = trade.get(
        "/prices/quote", customer_id=customer["id"], item_id=item, quantity=28, unit="SACK25"
    )
    assert D(quote["base_quantity"]) == 700
    assert (quote["price_source"], quote["price_list_id"]) == ("group_price_list", price_list["id"])
    assert D(quote["min_quantity"]) == 500 and D(quote["list_price"]) == D("0.70")
    assert D(quote["discount_percent"]) == 10 and quote["discount_source"] == "group GROSS"
    assert D(quote["net_unit_price"]) == D("0.63") and D(quote["net_amount"]) == D("441.00")
    assert [(s["kind"], s["source"], s["applied"]) for s in quote["steps"]] == [
        ("price", "group_price_list", True),
        ("discount", "group GROSS", True),
    ]
    assert quote["steps"][0]["customer_group_id"] == farmers["id"]

    # --- order: priced like the quote, confirmed, reserved ------------------------------
    order = trade.sales_order(
        customer["id"], wh["id"], {"item_id": item, "quantity": 28, "unit": "SACK25"}
    )
    line = order["lines"][0]
    assert (D(line["quantity"]), D(line["unit_price"]), D(line["net_amount"])) == (
        D(700),
        D("0.63"),
        D("441.00"),
    )
    assert (D(order["net_total"]), D(order["gross_total"])) == (D("441.00"), D("471.87"))
    order = trade.post(f"/sales-orders/{order['id']}/confirm", status=200)
    assert order["status"] == "confirmed" and D(order["lines"][0]["reserved_quantity"]) == 700
    free = trade.availability(item, wh["id"])
    assert (D(free["on_hand"]), D(free["unusable"]), D(free["reserved"])) == (1200, 200, 700)
    assert D(free["available"]) == 300

    # --- the recalled batch is never delivered: named explicitly it is refused ----------
    refused = trade.call(
        "POST",
        f"/sales-orders/{order['id']}/deliveries",
        {"lines": [{"order_line_id": line["id"], "quantity": 100, "batch_id": old_batch}]},
    )
    body = assert_problem(refused, 409, "batch-not-usable", "lines[0].batch_id")
    assert body["reason"] == "recalled"
    assert trade.get("/deliveries", sales_order_id=order["id"])["total"] == 0

    # --- delivery 1: 400 kg, FEFO takes CH-1 (ALT-1 expires earlier but is recalled) ----
    first_delivery = trade.deliver(order["id"], {"order_line_id": line["id"], "quantity": 400})
    assert [
        (d["batch_id"], d["location_id"], D(d["quantity"])) for d in first_delivery["lines"]
    ] == [(batch_1, a["id"], D(400))]
    assert first_delivery["delivery_no"].startswith("LS-")
    [issue] = ledger(trade, movement_id=first_delivery["movement_id"])
    assert (issue["document_type"], issue["document_id"]) == ("delivery", first_delivery["id"])
    assert D(issue["quantity"]) == -400 and D(issue["unit_cost"]) == D("0.483333")
    assert valuation(trade, item) == (D(800), D("580") - D("193.3332"))
    state = trade.order(order["id"])
    assert state["status"] == "partially_delivered"
    assert D(state["lines"][0]["delivered_quantity"]) == 400
    assert D(state["lines"][0]["reserved_quantity"]) == 300
    assert D(trade.availability(item, wh["id"])["reserved"]) == 300
    assert levels(stock, item) == {("A", "ALT-1"): 200, ("A", "CH-1"): 200, ("B", "CH-2"): 400}

    # --- delivery 2: the rest (no body = everything open), FEFO: CH-1 then CH-2 ---------
    second_delivery = trade.deliver(order["id"])
    assert [(d["batch_id"], D(d["quantity"])) for d in second_delivery["lines"]] == [
        (batch_1, D(200)),
        (batch_2, D(100)),
    ]
    state = trade.order(order["id"])
    assert state["status"] == "delivered" and D(state["lines"][0]["reserved_quantity"]) == 0
    assert D(trade.availability(item, wh["id"])["reserved"]) == 0
    assert levels(stock, item) == {("A", "ALT-1"): 200, ("A", "CH-1"): 0, ("B", "CH-2"): 300}
    delivered = trade.get("/deliveries", customer_id=customer["id"])["items"]
    to_customer: dict[int, D] = {}
    for delivery in delivered:
        for dl in delivery["lines"]:
            to_customer[dl["batch_id"]] = to_customer.get(dl["batch_id"], D(0)) + D(dl["quantity"])
    assert to_customer == {batch_1: 600, batch_2: 100}

    # --- invoice: 700 kg x 0.63 = 441.00 net, 7 % VAT on the sum ------------------------
    invoice = trade.invoice(order["id"])
    assert invoice["number"] == f"RE-{business_today(get_settings()).year}-000001"
    assert invoice["kind"] == "invoice" and invoice["status"] == "issued"
    [invoice_line] = invoice["lines"]
    assert (D(invoice_line["quantity"]), D(invoice_line["unit_price"])) == (D(700), D("0.63"))
    assert [
        (t["vat_category"], D(t["vat_percent"]), D(t["vat_amount"])) for t in invoice["taxes"]
    ] == [("reduced", D(7), D("30.87"))]
    assert (D(invoice["net_total"]), D(invoice["vat_total"]), D(invoice["gross_total"])) == (
        D("441.00"),
        D("30.87"),
        D("471.87"),
    )
    assert invoice["due_date"] == (business_today(get_settings()) + timedelta(days=30)).isoformat()
    assert invoice["customer_vat_id"] == "DE812345673"
    assert trade.order(order["id"])["status"] == "invoiced"
    assert {
        d["invoice_id"] for d in trade.get("/deliveries", sales_order_id=order["id"])["items"]
    } == {invoice["id"]}
    # Invoicing again finds nothing and changes nothing.
    assert_problem(
        trade.call("POST", f"/sales-orders/{order['id']}/invoice"), 409, "nothing-to-invoice"
    )
    assert trade.get("/invoices")["total"] == 1

    # Paying the last invoice closes the order.
    paid = trade.post(f"/invoices/{invoice['id']}/payment", status=200)
    assert paid["status"] == "paid" and paid["paid_by"] == "clerk-user"
    assert trade.order(order["id"])["status"] == "closed"

    session.expire_all()
    assert verify_stock(session) == []
