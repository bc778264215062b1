"""Fixtures of the document tests: a shop whose customer has a discount and Skonto, and a
three-page invoice."""

from datetime import date, timedelta

import pytest


def line(item, quantity):
    return {"item_id": item["id"], "quantity": str(quantity)}


@pytest.fixture
def shop(stock, trade):
    wh = stock.warehouse(code="HAUPT")
    a = stock.location(wh["id"], code="A")
    seed = stock.item(
        item_no="SAAT", name="Saatgut Weizen", vat_category="reduced", base_price="2.35"
    )
    mineral = stock.item(item_no="MIN", name="Mineralfutter", base_price="1.15")
    feed = stock.item(
        item_no="FUTTER", name="Milchleistungsfutter", batch_managed=True, base_price="0.48"
    )
    stock.receive(seed["id"], a["id"], 1000, unit_cost="1.20")
    stock.receive(mineral["id"], a["id"], 1000, unit_cost="0.60")
    best_before = (date.today() + timedelta(days=90)).isoformat()
    stock.receive(
        feed["id"],
        a["id"],
        500,
        unit_cost="0.30",
        batch={"batch_no": "F-77", "best_before": best_before},
    )
    customer = trade.customer(
        customer_no="K-4711",
        name="Hof Meyer GbR",
        street="Dorfstraße 3",
        postal_code="29336",
        city="Nienhagen",
        vat_id="DE811569869",
        discount_percent="5",
        payment_days=30,
        cash_discount_percent="2",
        cash_discount_days=10,
        invoice_email="buchhaltung@hof-meyer.de",
        buyer_reference="04011000-12345-67",
    )
    return {"wh": wh, "a": a, "seed": seed, "mineral": mineral, "feed": feed, "customer": customer}


@pytest.fixture
def long_invoice(trade, shop):
    """90 lines of seed (7 %) and mineral feed (19 %), delivered and invoiced: three pages."""
    lines = [line(shop["seed"] if n % 2 else shop["mineral"], 1 + n % 5) for n in range(90)]
    order = trade.sales_order(shop["customer"]["id"], shop["wh"]["id"], *lines, confirm=True)
    trade.deliver(order["id"])
    return trade.invoice(order["id"])
