"""Bad input gets a clear 4xx problem and changes nothing: no document, no stock movement,
no reservation, no number used up."""

import pytest
from sqlalchemy import text

from tests.helpers import assert_problem

TABLES = [
    "sales_orders",
    "sales_order_lines",
    "deliveries",
    "delivery_lines",
    "invoices",
    "invoice_lines",
    "purchase_orders",
    "goods_receipts",
    "price_list_entries",
    "stock_movements",
    "stock_ledger",
]


def snapshot(db):
    with db.engine.connect() as connection:
        counts = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        counts["reserved"] = connection.execute(
            text("SELECT coalesce(sum(quantity), 0) FROM stock_reservations")
        ).scalar()
        counts["counters"] = connection.execute(
            text("SELECT series, year, last_number FROM document_counters ORDER BY series, year")
        ).all()
        counts["prices"] = connection.execute(text("SELECT id, base_price FROM items")).all()
    return counts


@pytest.fixture
def unchanged(db):
    """`mark()` takes a snapshot; calling it asserts the database still matches it."""

    class Unchanged:
        def mark(self):
            self.before = snapshot(db)

        def __call__(self):
            assert snapshot(db) == self.before

    return Unchanged()


def line(item, quantity, **fields):
    return {"item_id": item["id"], "quantity": str(quantity), **fields}


@pytest.fixture
def confirmed(trade, shop):
    return trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["seed"], 10), confirm=True
    )


def test_unknown_customer(trade, shop, unchanged):
    unchanged.mark()
    body = {"customer_id": 4711, "warehouse_id": shop["wh"]["id"], "lines": []}
    problem = assert_problem(
        trade.call("POST", "/sales-orders", body), 422, "invalid-input", "customer_id"
    )
    assert "customer 4711 does not exist" in problem["detail"]
    quote = trade.call(
        "GET", f"/prices/quote?customer_id=4711&item_id={shop['seed']['id']}&quantity=1"
    )
    assert_problem(quote, 422, "invalid-input", "customer_id")
    unchanged()


def test_blocked_customer(trade, shop, confirmed, unchanged):
    draft = trade.sales_order(shop["customer"]["id"], shop["wh"]["id"], line(shop["seed"], 1))
    trade.call(
        "PATCH",
        f"/customers/{shop['customer']['id']}",
        {"blocked": True, "blocked_reason": "Mahnstufe 3"},
        as_="manager",
        status=200,
    )
    unchanged.mark()
    body = {"customer_id": shop["customer"]["id"], "warehouse_id": shop["wh"]["id"], "lines": []}
    problem = assert_problem(trade.call("POST", "/sales-orders", body), 409, "customer-blocked")
    assert "Mahnstufe 3" in problem["detail"] and problem["reason"] == "Mahnstufe 3"
    assert_problem(
        trade.call("POST", f"/sales-orders/{draft['id']}/confirm"), 409, "customer-blocked"
    )
    assert_problem(
        trade.call("POST", f"/sales-orders/{confirmed['id']}/deliveries"), 409, "customer-blocked"
    )
    unchanged()
    assert trade.order(draft["id"])["status"] == "draft"


def test_quantity_over_order(trade, confirmed, unchanged):
    order_line = confirmed["lines"][0]["id"]
    unchanged.mark()
    url = f"/sales-orders/{confirmed['id']}/deliveries"
    problem = assert_problem(
        trade.call("POST", url, {"lines": [{"order_line_id": order_line, "quantity": 11}]}),
        409,
        "quantity-exceeds-order",
        "lines[0].quantity",
    )
    assert (problem["open_quantity"], problem["requested"]) == ("10.0000", "11.0000")
    split = [
        {"order_line_id": order_line, "quantity": 6},
        {"order_line_id": order_line, "quantity": 5},
    ]
    assert_problem(
        trade.call("POST", url, {"lines": split}),
        409,
        "quantity-exceeds-order",
        "lines[1].quantity",
    )
    assert_problem(
        trade.call("POST", url, {"lines": [{"order_line_id": 999, "quantity": 1}]}),
        422,
        "invalid-input",
        "lines[0].order_line_id",
    )
    for quantity in (0, -1):
        assert_problem(
            trade.call(
                "POST", url, {"lines": [{"order_line_id": order_line, "quantity": quantity}]}
            ),
            422,
            "validation-error",
            "lines[0].quantity",
        )
    unchanged()


def test_deliver_a_cancelled_order(trade, confirmed, unchanged):
    trade.post(f"/sales-orders/{confirmed['id']}/cancel", status=200)
    unchanged.mark()
    problem = assert_problem(
        trade.call("POST", f"/sales-orders/{confirmed['id']}/deliveries"), 409, "invalid-state"
    )
    assert "cancelled" in problem["detail"]
    assert_problem(trade.call("POST", f"/sales-orders/{confirmed['id']}/invoice"), 409)
    assert_problem(trade.call("POST", f"/sales-orders/{confirmed['id']}/confirm"), 409)
    unchanged()


def test_invoice_twice(trade, confirmed, unchanged):
    trade.deliver(confirmed["id"])
    trade.invoice(confirmed["id"])
    unchanged.mark()
    problem = assert_problem(
        trade.call("POST", f"/sales-orders/{confirmed['id']}/invoice"), 409, "nothing-to-invoice"
    )
    assert "invoiced completely" in problem["detail"]
    unchanged()


def test_invoice_before_delivery(trade, confirmed, unchanged):
    unchanged.mark()
    assert_problem(trade.call("POST", f"/sales-orders/{confirmed['id']}/invoice"), 409)
    unchanged()


def test_negative_prices(trade, shop, unchanged):
    price_list = trade.price_list()
    supplier = trade.supplier()
    unchanged.mark()
    seed = shop["seed"]["id"]
    attempts = [
        (
            "POST",
            "/sales-orders",
            {
                "customer_id": shop["customer"]["id"],
                "warehouse_id": shop["wh"]["id"],
                "lines": [{"item_id": seed, "quantity": 1, "unit_price": "-0.01"}],
            },
            "clerk",
            "lines[0].unit_price",
        ),
        (
            "POST",
            "/purchase-orders",
            {
                "supplier_id": supplier["id"],
                "lines": [{"item_id": seed, "quantity": 1, "unit_price": -5}],
            },
            "clerk",
            "lines[0].unit_price",
        ),
        (
            "POST",
            f"/price-lists/{price_list['id']}/prices",
            {"item_id": seed, "unit_price": "-1"},
            "manager",
            "unit_price",
        ),
        ("PATCH", f"/items/{seed}", {"base_price": "-2"}, "manager", "base_price"),
    ]
    for method, url, body, role, field in attempts:
        response = trade.call(method, url, body, as_=role)
        problem = assert_problem(response, 422, "validation-error", field)
        assert "greater than or equal to 0" in problem["errors"][0]["message"]
    unchanged()
