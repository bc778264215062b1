"""FEFO picking proposals, availability and reservations."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from landkontor.inventory import reservations
from landkontor.inventory.errors import InsufficientStock


def day(offset):
    return (date.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def feed_stock(stock):
    wh = stock.warehouse()
    a, b = stock.location(wh["id"], code="A"), stock.location(wh["id"], code="B")
    feed = stock.item(batch_managed=True)
    batches = {}
    for name, loc, best_before, qty in [
        ("LATE", a, day(60), 100),
        ("SOON", b, day(10), 40),
        ("OLD", a, day(-1), 500),
        ("BLOCKED", b, day(5), 70),
        ("MID", b, day(30), 50),
    ]:
        movement = stock.receive(
            feed["id"], loc["id"], qty, batch={"batch_no": name, "best_before": best_before}
        )
        batches[name] = movement["lines"][0]["batch_id"]
    stock.client.post(
        f"/api/v1/batches/{batches['BLOCKED']}/status",
        json={"status": "blocked", "reason": "Salmonellenverdacht"},
        headers=stock.headers,
    )
    return stock, wh, feed, batches


def test_pick_proposal_is_first_expired_first_out(feed_stock):
    stock, wh, feed, batches = feed_stock
    proposal = stock.client.get(
        "/api/v1/stock/pick-proposal",
        params={"item_id": feed["id"], "quantity": 120, "warehouse_id": wh["id"]},
        headers=stock.headers,
    ).json()
    assert [(line["batch_no"], D(line["quantity"])) for line in proposal["lines"]] == [
        ("SOON", 40),
        ("MID", 50),
        ("LATE", 30),
    ]
    assert D(proposal["shortage"]) == 0


def test_pick_proposal_reports_a_shortage(feed_stock):
    stock, _, feed, _ = feed_stock
    proposal = stock.client.get(
        "/api/v1/stock/pick-proposal",
        params={"item_id": feed["id"], "quantity": 1000},
        headers=stock.headers,
    ).json()
    assert D(proposal["proposed"]) == 190 and D(proposal["shortage"]) == 810


def test_availability_separates_unusable_and_reserved_stock(feed_stock, session):
    stock, wh, feed, _ = feed_stock
    reservations.reserve(
        session,
        item_id=feed["id"],
        warehouse_id=wh["id"],
        quantity=D(25),
        document_type="sales_order",
        document_id=1,
        document_line_id=1,
    )
    session.commit()
    body = stock.client.get(
        f"/api/v1/stock/availability/{feed['id']}",
        params={"warehouse_id": wh["id"]},
        headers=stock.headers,
    ).json()
    assert D(body["on_hand"]) == 760
    assert D(body["unusable"]) == 570  # expired OLD and blocked BLOCKED
    assert D(body["reserved"]) == 25
    assert D(body["available"]) == 165


def test_reservation_beyond_availability_is_refused(feed_stock, session):
    _, wh, feed, _ = feed_stock
    with pytest.raises(InsufficientStock):
        reservations.reserve(
            session,
            item_id=feed["id"],
            warehouse_id=wh["id"],
            quantity=D(191),
            document_type="sales_order",
            document_id=2,
            document_line_id=1,
        )


def test_release_gives_the_stock_back(feed_stock, session):
    _, wh, feed, _ = feed_stock
    for line in (1, 2):
        reservations.reserve(
            session,
            item_id=feed["id"],
            warehouse_id=wh["id"],
            quantity=D(50),
            document_type="production_order",
            document_id=7,
            document_line_id=line,
        )
    released = reservations.release(
        session, document_type="production_order", document_id=7, quantity=D(70)
    )
    assert released == 70
    assert sum(reservations.reserved_for(session, "production_order", 7).values()) == 30
    assert reservations.availability(session, feed["id"], wh["id"]).reserved == 30
