"""The sales service functions the Verkauf screens read: the delivery proposal, the order
overview, the credit check, the invoice search, and deliveries posted once per key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from landkontor.common.pagination import PageParams
from landkontor.inventory.errors import IdempotencyKeyReused
from landkontor.partners.service import customer_by_number, get_customer
from landkontor.production import trace
from landkontor.sales import credit, deliveries, invoicing, orders
from landkontor.sales.models import SalesOrderStatus
from landkontor.sales.schemas import DeliveryCreate, DeliveryLineIn


def _feed_order(trade, shop, *quantities: int) -> dict:
    lines = [{"item_id": shop["feed"]["id"], "quantity": q} for q in quantities]
    return trade.sales_order(shop["customer"]["id"], shop["wh"]["id"], *lines, confirm=True)


def test_the_proposal_shares_the_stock_between_lines_of_one_item_first_expired_first(
    trade, shop, db
):
    order = _feed_order(trade, shop, 60, 90)
    with db.session() as s:
        first, second = deliveries.delivery_proposal(s, order["id"])
        taken = [[(c.batch_no, c.proposed) for c in p.stock] for p in (first, second)]
    assert taken[0] == [("F-1", Decimal(60)), ("F-2", Decimal(0))]
    assert taken[1] == [("F-1", Decimal(40)), ("F-2", Decimal(50))]
    assert first.shortage == second.shortage == 0


def test_the_proposal_shows_a_recalled_batch_but_proposes_none_of_it(trade, shop, db):
    order = _feed_order(trade, shop, 150)
    with db.session() as s:
        batch_id = next(c.batch_id for c in deliveries.delivery_proposal(s, order["id"])[0].stock)
        trace.recall(s, batch_id, "Rückruf des Herstellers", actor="qs")
    with db.session() as s:
        (proposal,) = deliveries.delivery_proposal(s, order["id"])
    recalled, other = proposal.stock
    assert (recalled.batch_no, recalled.unusable, recalled.proposed) == ("F-1", "recalled", 0)
    assert (other.batch_no, other.unusable, other.proposed) == ("F-2", None, Decimal(100))
    assert proposal.shortage == 50


def test_a_delivery_with_the_same_key_is_posted_once(trade, shop, db):
    order = _feed_order(trade, shop, 100)
    line_id = order["lines"][0]["id"]
    body = DeliveryCreate(lines=[DeliveryLineIn(order_line_id=line_id, quantity=Decimal(30))])
    with db.session() as s:
        first = deliveries.deliver(s, order["id"], body, actor="clerk", idempotency_key="k-1")
        first_id = first.id
    with db.session() as s:
        again = deliveries.deliver(s, order["id"], body, actor="clerk", idempotency_key="k-1")
        assert again.id == first_id
        assert orders.get_order(s, order["id"]).lines[0].delivered_quantity == 30
    other = DeliveryCreate(lines=[DeliveryLineIn(order_line_id=line_id, quantity=Decimal(5))])
    with db.session() as s, pytest.raises(IdempotencyKeyReused):
        deliveries.deliver(s, order["id"], other, actor="clerk", idempotency_key="k-1")


def test_the_order_overview_searches_filters_and_sums_the_lines(trade, shop, db):
    other = trade.customer(customer_no="K-300", name="Gut Birkenhof")
    confirmed = _feed_order(trade, shop, 10)  # 10 kg x 1,00 €
    trade.sales_order(other["id"], shop["wh"]["id"], {"item_id": shop["seed"]["id"], "quantity": 3})
    with db.session() as s:
        rows, total = orders.order_overview(s, PageParams(), search="birken")
        assert total == 1 and rows[0].customer_name == "Gut Birkenhof"
        assert rows[0].net_total == Decimal("6.00")
        rows, total = orders.order_overview(
            s, PageParams(), statuses=(SalesOrderStatus.confirmed,), sort="net_total"
        )
        assert [r.id for r in rows] == [confirmed["id"]]
        assert rows[0].net_total == Decimal("10.00")
        assert orders.order_overview(s, PageParams(), sort="customer", descending=False)[1] == 2


def test_the_credit_check_counts_receivables_other_orders_and_this_order(trade, shop, db):
    limited = trade.customer(customer_no="K-400", credit_limit="50")
    draft = trade.sales_order(
        limited["id"], shop["wh"]["id"], {"item_id": shop["feed"]["id"], "quantity": 40}
    )
    with db.session() as s:
        customer = get_customer(s, limited["id"])
        check = credit.credit_check(s, customer, orders.get_order(s, draft["id"]))
        assert check is not None and check.this_order == Decimal("47.60")  # 40 € + 19 %
        assert check.left == Decimal("2.40") and not check.exceeded
        assert (
            credit.credit_check(
                s, get_customer(s, shop["customer"]["id"]), orders.get_order(s, draft["id"])
            )
            is None
        )
        assert customer_by_number(s, " K-400 ").id == limited["id"]
        assert customer_by_number(s, "K-4") is None


def test_invoices_are_found_by_number_or_customer_and_credit_notes_by_their_invoice(
    trade, shop, db
):
    order = _feed_order(trade, shop, 20)
    trade.deliver(order["id"])
    invoice = trade.invoice(order["id"])
    note = trade.post(f"/invoices/{invoice['id']}/credit-notes", {"reason": "Bruch"}, as_="manager")
    with db.session() as s:
        found, _ = invoicing.list_invoices(s, PageParams(), search=invoice["number"].lower())
        assert [i.id for i in found] == [invoice["id"]]
        by_name, _ = invoicing.list_invoices(s, PageParams(), search="meyer")
        assert {i.id for i in by_name} == {invoice["id"], note["id"]}
        notes, _ = invoicing.list_invoices(s, PageParams(), credits_invoice_id=invoice["id"])
        assert [n.id for n in notes] == [note["id"]]


def test_the_delivery_overview_names_order_and_customer_and_finds_the_uninvoiced(trade, shop, db):
    invoiced = _feed_order(trade, shop, 10)
    trade.deliver(invoiced["id"])
    trade.invoice(invoiced["id"])
    waiting = _feed_order(trade, shop, 5)
    delivery = trade.deliver(waiting["id"])
    with db.session() as s:
        rows, total = deliveries.delivery_overview(s, PageParams())
        assert total == 2 and rows[0].id == delivery["id"]  # newest first
        assert (rows[0].order_no, rows[0].customer_no) == (waiting["order_no"], "K-100")
        rows, total = deliveries.delivery_overview(s, PageParams(), uninvoiced=True)
        assert [r.id for r in rows] == [delivery["id"]]
        rows, _ = deliveries.delivery_overview(s, PageParams(), search=invoiced["order_no"])
        assert [r.sales_order_id for r in rows] == [invoiced["id"]]
