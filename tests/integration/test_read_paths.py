"""The hot read paths answer in as few statements as their responses need: the item list
(items, then their pack units), one item, one batch and the stock levels, each with its total
in the same statement as its rows."""

from __future__ import annotations

import pytest


@pytest.fixture
def goods(stock):
    warehouse = stock.warehouse()
    location = stock.location(warehouse["id"])
    items = [
        stock.item(
            batch_managed=n % 2 == 0,
            pack_units=[{"code": "SACK", "name": "Sack 25 kg", "factor": "25"}] if n % 3 else [],
        )
        for n in range(6)
    ]
    batches = []
    for n, item in enumerate(items):
        batch = {"batch_no": f"CH-{n}"} if item["batch_managed"] else None
        line = {"unit_cost": "1.5", **({"batch": batch} if batch else {})}
        moved = stock.receive(item["id"], location["id"], 10 + n, **line)
        batches += [e["batch_id"] for e in moved["lines"] if e["batch_id"]]
    return items, batches


def _warm(client, headers) -> None:
    client.get("/api/v1/items?limit=1", headers=headers)  # the user is cached from here on


def test_the_item_list_is_two_statements_and_shows_pack_units(
    client, viewer, goods, count_statements
):
    items, _ = goods
    _warm(client, viewer)
    with count_statements() as counter:
        response = client.get("/api/v1/items?limit=50", headers=viewer)
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == len(items)
    assert [i["id"] for i in page["items"]] == sorted(i["id"] for i in items)
    shown = {i["id"]: i["pack_units"] for i in page["items"]}
    assert shown == {i["id"]: i["pack_units"] for i in items}
    assert counter.work == 2, counter.statements


def test_a_page_past_the_end_still_knows_the_total(client, viewer, goods):
    items, _ = goods
    page = client.get("/api/v1/items?limit=5&offset=100", headers=viewer).json()
    assert page == {"items": [], "total": len(items), "limit": 5, "offset": 100}
    levels = client.get("/api/v1/stock/levels?limit=5&offset=100", headers=viewer).json()
    assert levels["items"] == [] and levels["total"] == len(items)


def test_one_item_and_one_batch_are_one_statement_each_plus_pack_units(
    client, viewer, goods, count_statements
):
    items, batches = goods
    _warm(client, viewer)
    with count_statements() as item_reads:
        item = client.get(f"/api/v1/items/{items[1]['id']}", headers=viewer)
    assert item.json() == items[1]
    assert item_reads.work == 2, item_reads.statements
    with count_statements() as batch_reads:
        batch = client.get(f"/api/v1/batches/{batches[0]}", headers=viewer)
    assert batch.status_code == 200
    assert batch.json()["batch_no"] == "CH-0" and batch.json()["expired"] is False
    assert batch_reads.work == 1, batch_reads.statements


def test_stock_levels_are_one_statement(client, viewer, goods, count_statements):
    items, _ = goods
    _warm(client, viewer)
    with count_statements() as counter:
        page = client.get("/api/v1/stock/levels?limit=50", headers=viewer).json()
    assert page["total"] == len(items) and len(page["items"]) == len(items)
    assert counter.work == 1, counter.statements


def test_unknown_item_and_batch_are_404(client, viewer, goods):
    for path in ("/api/v1/items/999999", "/api/v1/batches/999999"):
        response = client.get(path, headers=viewer)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
