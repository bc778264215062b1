"""A warehouse with stock of a plain item and a batch-managed feed, and a customer."""

from datetime import date, timedelta

import pytest


@pytest.fixture
def shop(stock, trade):
    wh = stock.warehouse(code="HAUPT")
    a, b = stock.location(wh["id"], code="A"), stock.location(wh["id"], code="B")
    seed = stock.item(item_no="SAAT", name="Saatgut", vat_category="reduced", base_price="2.00")
    feed = stock.item(item_no="FUTTER", name="Futter", batch_managed=True, base_price="1.00")
    stock.receive(seed["id"], a["id"], 500, unit_cost="1.20")
    for batch_no, location, days in (("F-1", a, 10), ("F-2", b, 40)):
        best_before = (date.today() + timedelta(days=days)).isoformat()
        stock.receive(
            feed["id"],
            location["id"],
            100,
            unit_cost="0.60",
            batch={"batch_no": batch_no, "best_before": best_before},
        )
    customer = trade.customer(customer_no="K-100")
    return {"wh": wh, "a": a, "b": b, "seed": seed, "feed": feed, "customer": customer}
