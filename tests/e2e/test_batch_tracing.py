"""QS traceability end to end through HTTP: raw materials bought from suppliers in batches,
a compound feed made from three of them (FEFO), delivered to two customers; traced back to
the suppliers and forward to both customers; recalled downstream so nothing more leaves;
a started production order cancelled by reversal. The books add up after every step."""

from datetime import date, timedelta
from decimal import Decimal as D

from landkontor.inventory.verify import verify_stock
from tests.helpers import assert_problem


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def books_balance(session) -> None:
    session.expire_all()
    assert verify_stock(session) == []


def test_receive_produce_deliver_trace_recall(stock, trade, session):
    wh = stock.warehouse(code="MUEHLE")
    raw_loc = stock.location(wh["id"], code="ROH", kind="silo")
    out_loc = stock.location(wh["id"], code="FERTIG", kind="silo")
    wheat = stock.item(item_no="WEIZEN", batch_managed=True, base_price="0.25")
    soy = stock.item(item_no="SOJA", batch_managed=True, base_price="0.55")
    mineral = stock.item(item_no="MINERAL", batch_managed=True, base_price="1.20")
    feed = stock.item(
        item_no="MF18",
        batch_managed=True,
        shelf_life_days=90,
        base_price="0.60",
        vat_category="reduced",
    )

    # --- raw materials from two suppliers, each line its own batch ----------------------
    mill = trade.supplier(supplier_no="L-MUEHLE", name="Mühle Nord")
    oil = trade.supplier(supplier_no="L-OEL", name="Ölwerk Süd")
    received = {}
    for supplier, item, batch_no, qty, price, best in [
        (mill, wheat, "W-ALT", 300, "0.20", day(20)),
        (mill, wheat, "W-NEU", 1000, "0.24", day(200)),
        (oil, soy, "S-1", 500, "0.50", day(100)),
        (oil, mineral, "M-1", 100, "1.00", day(300)),
    ]:
        receipt = trade.buy_batch(
            supplier["id"], item["id"], qty, price,
            location_id=raw_loc["id"], batch_no=batch_no, best_before=best,
        )  # fmt: skip
        received[batch_no] = (receipt["lines"][0]["batch_id"], receipt, supplier)
    books_balance(session)

    # --- a feed batch from three inputs, FEFO ------------------------------------------
    stock.recipe(
        feed["id"],
        {"item_id": wheat["id"], "quantity": 600},
        {"item_id": soy["id"], "quantity": 350},
        {"item_id": mineral["id"], "quantity": 50},
    )
    order = stock.production_order(feed["id"], 500, wh["id"], output_location_id=out_loc["id"])
    done = stock.produce(order["id"], 500)
    feed_batch = done["outputs"][0]["batch_id"]
    books_balance(session)

    # --- delivered to two customers ------------------------------------------------------
    farmers = [
        trade.customer(customer_no=no, name=name)
        for no, name in [("K-100", "Hof Meyer"), ("K-200", "Gut Rosen")]
    ]
    for customer, qty in zip(farmers, (200, 150), strict=True):
        sales = trade.sales_order(
            customer["id"], wh["id"], {"item_id": feed["id"], "quantity": qty}, confirm=True
        )
        delivery = trade.deliver(sales["id"])
        assert [d["batch_id"] for d in delivery["lines"]] == [feed_batch]
    books_balance(session)

    # --- backward from the feed batch to the suppliers ----------------------------------
    back = trade.get(f"/batches/{feed_batch}/trace", direction="backward")
    w_old, s_1, m_1 = (received[n][0] for n in ("W-ALT", "S-1", "M-1"))
    assert {b["batch_id"] for b in back["batches"]} == {w_old, s_1, m_1}  # FEFO: W-ALT, not W-NEU
    assert {b["supplier"]["number"] for b in back["batches"]} == {"L-MUEHLE", "L-OEL"}
    receipts = {(r["batch_id"], r["supplier"]["number"], r["receipt_no"]) for r in back["receipts"]}
    assert receipts == {
        (received[n][0], received[n][2]["supplier_no"], received[n][1]["receipt_no"])
        for n in ("W-ALT", "S-1", "M-1")
    }
    assert back["made_by"] == [
        {
            "batch_id": feed_batch,
            "document_type": "production_order",
            "document_id": order["id"],
            "number": order["number"],
        }
    ]

    # --- forward from one raw batch to both customers -----------------------------------
    forward = trade.get(f"/batches/{s_1}/trace", direction="forward")
    assert [b["batch_id"] for b in forward["batches"]] == [feed_batch]
    delivered = {(d["customer"]["number"], D(d["quantity"])) for d in forward["deliveries"]}
    assert delivered == {("K-100", D(200)), ("K-200", D(150))}

    report = trade.get(f"/batches/{s_1}/recall-report")
    assert {b["batch_id"] for b in report["affected_batches"]} == {s_1, feed_batch}
    assert {c["customer"]["number"]: c["quantities"] for c in report["customers"]} == {
        "K-100": {"MF18": "200.0000"},
        "K-200": {"MF18": "150.0000"},
    }
    assert D(report["stock_total"]["MF18"]) == 150 and D(report["stock_total"]["SOJA"]) == 325

    # --- recall: everything downstream, once, and nothing more is delivered -------------
    recalled = trade.post(
        f"/batches/{s_1}/recall", {"reason": "Salmonellen-Befund"}, as_="manager", status=200
    )
    assert set(recalled["newly_recalled"]) == {s_1, feed_batch}
    assert {b["status"] for b in recalled["affected_batches"]} == {"recalled"}
    again = trade.post(f"/batches/{s_1}/recall", {"reason": "nochmal"}, as_="manager", status=200)
    assert again["newly_recalled"] == []
    late = trade.sales_order(farmers[0]["id"], wh["id"], {"item_id": feed["id"], "quantity": 10})
    refused = trade.call("POST", f"/sales-orders/{late['id']}/confirm")
    assert refused.status_code == 409, refused.text  # nothing usable is left to reserve
    blocked = trade.call(
        "POST",
        f"/sales-orders/{late['id']}/deliveries",
        {
            "lines": [
                {"order_line_id": late["lines"][0]["id"], "quantity": 10, "batch_id": feed_batch}
            ]
        },
    )
    assert blocked.status_code == 409, blocked.text
    # Clerks may look, only managers recall.
    assert_problem(trade.call("POST", f"/batches/{m_1}/recall", {"reason": "Test"}), 403)
    books_balance(session)


def test_cancelling_a_started_order_reverses_consumption_and_output(stock, session):
    wh = stock.warehouse()
    loc = stock.location(wh["id"])
    grain = stock.item(batch_managed=True)
    feed = stock.item(batch_managed=True)
    batch = stock.receive(grain["id"], loc["id"], 100, unit_cost="0.3", batch={"batch_no": "G1"})
    grain_batch = batch["lines"][0]["batch_id"]
    stock.recipe(feed["id"], {"item_id": grain["id"], "quantity": 1}, output_quantity=1)
    order = stock.production_order(feed["id"], 60, wh["id"], output_location_id=loc["id"])
    out = stock.produce(order["id"], 30, complete=False)
    value_before = stock.client.get("/api/v1/stock/valuation", headers=stock.headers).json()[
        "total_value"
    ]
    url = f"/api/v1/production-orders/{order['id']}"
    cancelled = stock.post(f"{url}/cancel", {"reason": "Rezeptfehler"}, status=200)
    assert cancelled["status"] == "cancelled"
    assert D(stock.level(grain["id"], loc["id"], grain_batch)) == 100
    assert D(stock.level(feed["id"], loc["id"], out["outputs"][0]["batch_id"])) == 0
    after = stock.client.get("/api/v1/stock/valuation", headers=stock.headers).json()
    # Before: 40 grain (12) + 30 feed (9); 9 more sat in work in progress. After: 100 grain.
    assert (D(value_before), D(after["total_value"])) == (D(21), D(30))
    movements = stock.client.get(
        "/api/v1/stock/ledger", params={"reference": order["number"]}, headers=stock.headers
    ).json()
    assert sorted(row["movement_type"] for row in movements["items"]) == [
        "issue",
        "receipt",
        "reversal",
        "reversal",
    ]
    trace = stock.client.get(
        f"/api/v1/batches/{grain_batch}/trace",
        params={"direction": "forward"},
        headers=stock.headers,
    ).json()
    assert trace["batches"] == []
    session.expire_all()
    assert verify_stock(session) == []


def test_trace_of_an_unknown_batch_is_404_and_bad_depth_422(stock):
    assert_problem(
        stock.client.get("/api/v1/batches/999999/trace", headers=stock.headers), 404, "not-found"
    )
    item = stock.item(batch_managed=True)
    batch = stock.batch(item["id"])
    assert_problem(
        stock.client.get(
            f"/api/v1/batches/{batch['id']}/trace", params={"depth": 0}, headers=stock.headers
        ),
        422,
        field="depth",
    )
    assert_problem(
        stock.client.get(
            f"/api/v1/batches/{batch['id']}/trace",
            params={"direction": "sideways"},
            headers=stock.headers,
        ),
        422,
        field="direction",
    )
