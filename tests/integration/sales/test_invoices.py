"""Invoices and credit notes: VAT per rate, numbering, immutability, credit notes."""

from decimal import Decimal as D

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from landkontor.common.clock import business_today
from landkontor.numbering.service import next_number
from landkontor.settings import get_settings
from tests.helpers import assert_problem


def line(item, quantity, **fields):
    return {"item_id": item["id"], "quantity": str(quantity), **fields}


@pytest.fixture
def invoiced(trade, shop):
    """An order of seed (7 %) and feed (19 %), delivered in two parts, both invoiced."""
    order = trade.sales_order(
        shop["customer"]["id"],
        shop["wh"]["id"],
        line(shop["seed"], 10),
        line(shop["feed"], 30),
        confirm=True,
    )
    return order, trade.deliver(order["id"]), trade.invoice(order["id"])


def test_vat_is_computed_per_rate_on_the_sum_of_net_lines(trade, shop, stock):
    pins = stock.item(item_no="CLIP", name="Ohrmarke", base_unit="Stk", base_price="0.01")
    stock.receive(pins["id"], shop["a"]["id"], 10)
    order = trade.sales_order(
        shop["customer"]["id"],
        shop["wh"]["id"],
        *[line(pins, 3) for _ in range(3)],
        line(shop["seed"], 1),
        confirm=True,
    )
    trade.deliver(order["id"])
    invoice = trade.invoice(order["id"])
    taxes = {t["vat_category"]: (D(t["net_amount"]), D(t["vat_amount"])) for t in invoice["taxes"]}
    # Three lines of 0.03 net: 19 % of 0.09 is 0.0171 -> 0.02 (per line it would be 0.03).
    assert taxes == {"standard": (D("0.09"), D("0.02")), "reduced": (D("2.00"), D("0.14"))}
    assert (D(invoice["net_total"]), D(invoice["vat_total"]), D(invoice["gross_total"])) == (
        D("2.09"),
        D("0.16"),
        D("2.25"),
    )


def test_deliveries_can_be_invoiced_one_by_one(trade, shop):
    order = trade.sales_order(
        shop["customer"]["id"], shop["wh"]["id"], line(shop["seed"], 10), confirm=True
    )
    order_line = order["lines"][0]["id"]
    first = trade.deliver(order["id"], {"order_line_id": order_line, "quantity": 4})
    second = trade.deliver(order["id"], {"order_line_id": order_line, "quantity": 6})
    one = trade.post(f"/sales-orders/{order['id']}/invoice", {"delivery_ids": [second["id"]]})
    assert D(one["lines"][0]["quantity"]) == 6 and trade.order(order["id"])["status"] == "delivered"
    response = trade.call(
        "POST", f"/sales-orders/{order['id']}/invoice", {"delivery_ids": [second["id"]]}
    )
    assert_problem(response, 409, "already-invoiced", "delivery_ids[0]")
    two = trade.invoice(order["id"])
    assert D(two["lines"][0]["quantity"]) == 4
    year = business_today(get_settings()).year
    assert (one["number"], two["number"]) == (f"RE-{year}-000001", f"RE-{year}-000002")
    assert trade.get(f"/deliveries/{first['id']}")["invoice_id"] == two["id"]
    assert trade.order(order["id"])["status"] == "invoiced"


def test_credit_notes_never_exceed_the_invoice(trade, shop, invoiced, manager):
    _, _, invoice = invoiced
    seed_line, feed_line = invoice["lines"]
    assert D(invoice["gross_total"]) == D("21.40") + D("35.70")
    assert_problem(
        trade.call("POST", f"/invoices/{invoice['id']}/credit-notes", {"reason": "Retoure"}),
        403,
    )
    note = trade.post(
        f"/invoices/{invoice['id']}/credit-notes",
        {
            "reason": "2 kg Saatgut zurück, Preisnachlass Futter",
            "lines": [
                {"invoice_line_id": seed_line["id"], "quantity": 2},
                {"invoice_line_id": feed_line["id"], "net_amount": "5.00"},
            ],
        },
        as_="manager",
    )
    assert note["number"] == f"GS-{business_today(get_settings()).year}-000001"
    assert note["kind"] == "credit_note" and note["credits_invoice_id"] == invoice["id"]
    assert [D(n["net_amount"]) for n in note["lines"]] == [D("4.00"), D("5.00")]
    assert (D(note["net_total"]), D(note["vat_total"])) == (D("9.00"), D("0.28") + D("0.95"))
    credit = trade.get(f"/customers/{invoice['customer_id']}/credit")
    assert D(credit["open_receivables"]) == D("57.10") - D("10.23")
    too_much = trade.call(
        "POST",
        f"/invoices/{invoice['id']}/credit-notes",
        {"reason": "x", "lines": [{"invoice_line_id": seed_line["id"], "quantity": 9}]},
        as_="manager",
    )
    assert_problem(too_much, 409, "credit-exceeds-invoice", "lines[0].quantity")
    rest = trade.post(
        f"/invoices/{invoice['id']}/credit-notes", {"reason": "Storno"}, as_="manager"
    )
    assert (D(rest["net_total"]), D(rest["gross_total"])) == (D("41.00"), D("46.87"))
    assert D(trade.get(f"/customers/{invoice['customer_id']}/credit")["open_receivables"]) == 0
    assert_problem(
        trade.call(
            "POST", f"/invoices/{invoice['id']}/credit-notes", {"reason": "x"}, as_="manager"
        ),
        409,
        "credit-exceeds-invoice",
    )
    assert_problem(trade.call("POST", f"/invoices/{note['id']}/payment"), 409, "invalid-state")


def test_issued_invoices_are_immutable_in_the_database(db, invoiced, trade):
    _, _, invoice = invoiced
    with db.engine.connect() as connection:
        for statement in (
            f"UPDATE invoices SET gross_total = 1 WHERE id = {invoice['id']}",
            f"UPDATE invoices SET number = 'RE-X' WHERE id = {invoice['id']}",
            f"DELETE FROM invoices WHERE id = {invoice['id']}",
            f"UPDATE invoice_lines SET net_amount = 0 WHERE invoice_id = {invoice['id']}",
            f"DELETE FROM invoice_taxes WHERE invoice_id = {invoice['id']}",
        ):
            with pytest.raises(DBAPIError, match=r"immutable|append-only"):
                connection.execute(text(statement))
            connection.rollback()
        # The payment state is the one thing that may change.
        paid = "UPDATE invoices SET status = 'paid', paid_on = '2026-01-02' WHERE id = :id"
        connection.execute(text(paid), {"id": invoice["id"]})
        connection.commit()
    fetched = trade.get(f"/invoices/{invoice['id']}")
    assert fetched["status"] == "paid" and fetched["gross_total"] == invoice["gross_total"]


def test_a_rolled_back_number_is_handed_out_again(db):
    with db.session() as session:
        first = next_number(session, "RE", 2030)
        session.rollback()
        assert next_number(session, "RE", 2030) == first == "RE-2030-000001"
        session.commit()
        assert next_number(session, "RE", 2030) == "RE-2030-000002"
        assert next_number(session, "RE", 2031) == "RE-2031-000001"
        session.commit()


def test_paying_twice_is_refused(trade, invoiced):
    _, _, invoice = invoiced
    trade.post(f"/invoices/{invoice['id']}/payment", status=200)
    assert_problem(trade.call("POST", f"/invoices/{invoice['id']}/payment"), 409, "invalid-state")
    listed = trade.get("/invoices", status="paid")
    assert [i["id"] for i in listed["items"]] == [invoice["id"]]
