"""Parallel clients on PostgreSQL: gapless invoice numbers, one invoice per delivery, and
credit limits that hold when orders of one customer are confirmed at the same time."""

import random
import threading
from decimal import Decimal as D

from landkontor.common.clock import business_today
from landkontor.settings import get_settings
from tests.helpers import requires_postgres, run_parallel

pytestmark = requires_postgres

THREADS = 8
ORDERS_PER_THREAD = 3


def setup_shop(stock, trade, **customer):
    wh = stock.warehouse()
    loc = stock.location(wh["id"])
    seed = stock.item(vat_category="reduced", base_price="2.00")
    stock.receive(seed["id"], loc["id"], 10_000, unit_cost="1")
    return wh, seed, trade.customer(**customer)


def test_concurrent_invoicing_numbers_without_gaps_or_duplicates(stock, trade):
    wh, seed, customer = setup_shop(stock, trade)
    orders = []
    for _ in range(THREADS * ORDERS_PER_THREAD):
        order = trade.sales_order(
            customer["id"], wh["id"], {"item_id": seed["id"], "quantity": 5}, confirm=True
        )
        trade.deliver(order["id"])
        orders.append(order["id"])
    by_thread = [orders[n::THREADS] for n in range(THREADS)]
    outcomes: list[tuple[int, int, str | None]] = []
    lock = threading.Lock()

    def worker(n):
        # Each order is invoiced by two threads at once: its own and its neighbour.
        mine = by_thread[n] + by_thread[(n + 1) % THREADS]
        random.Random(n).shuffle(mine)
        for order_id in mine:
            response = trade.call("POST", f"/sales-orders/{order_id}/invoice")
            number = response.json().get("number") if response.status_code == 201 else None
            with lock:
                outcomes.append((order_id, response.status_code, number))

    run_parallel(THREADS, worker)
    created = [(order_id, number) for order_id, status, number in outcomes if status == 201]
    refused = [status for _, status, _ in outcomes if status != 201]
    assert len(created) == len(orders) and set(refused) == {409}
    assert sorted(order_id for order_id, _ in created) == sorted(orders)
    year = business_today(get_settings()).year
    assert sorted(number for _, number in created) == [
        f"RE-{year}-{n:06d}" for n in range(1, len(orders) + 1)
    ]
    invoices = trade.get("/invoices", limit=100)
    assert invoices["total"] == len(orders)
    assert all(trade.order(order_id)["status"] == "invoiced" for order_id in orders)


def test_concurrent_confirmations_cannot_overrun_the_credit_limit(stock, trade):
    # Each order: 10 kg x 2.00 = 20.00 net + 7 % = 21.40 gross; the limit fits three.
    wh, seed, customer = setup_shop(stock, trade, credit_limit="64.20")
    drafts = [
        trade.sales_order(customer["id"], wh["id"], {"item_id": seed["id"], "quantity": 10})["id"]
        for _ in range(THREADS)
    ]
    statuses: list[int] = []

    def worker(n):
        response = trade.call("POST", f"/sales-orders/{drafts[n]}/confirm")
        statuses.append(response.status_code)
        if response.status_code != 200:
            assert response.json()["code"] == "credit-limit-exceeded"

    run_parallel(THREADS, worker)
    assert sorted(statuses) == [200] * 3 + [409] * (THREADS - 3)
    credit = trade.get(f"/customers/{customer['id']}/credit")
    assert D(credit["open_orders"]) == D("64.20") and D(credit["available"]) == 0
