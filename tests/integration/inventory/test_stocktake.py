"""Stocktaking: frozen expectations, counts, posted differences, locked locations."""

from decimal import Decimal as D

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def counted(stock):
    wh = stock.warehouse()
    hall = stock.location(wh["id"], kind="hall", code="HALLE")
    a = stock.location(wh["id"], parent_id=hall["id"], code="A")
    b = stock.location(wh["id"], parent_id=hall["id"], code="B")
    item = stock.item()
    other = stock.item()
    stock.receive(item["id"], a["id"], 100, unit_cost="2")
    stock.receive(other["id"], b["id"], 10, unit_cost="1")
    response = stock.client.post(
        "/api/v1/stocktakes", json={"location_ids": [hall["id"]]}, headers=stock.headers
    )
    assert response.status_code == 201, response.text
    return stock, response.json(), a, b, item, other


def test_open_freezes_expected_quantities_of_the_leaves(counted):
    _, take, a, b, item, other = counted
    assert take["location_ids"] == sorted([a["id"], b["id"]])
    expected = {
        (ln["item_id"], ln["location_id"]): D(ln["expected_quantity"]) for ln in take["lines"]
    }
    assert expected == {(item["id"], a["id"]): 100, (other["id"], b["id"]): 10}


def test_locations_under_count_take_no_other_postings(counted):
    stock, _, a, _, item, _ = counted
    response = stock.client.post(
        "/api/v1/stock/movements",
        json={
            "type": "issue",
            "lines": [{"item_id": item["id"], "location_id": a["id"], "quantity": 1}],
        },
        headers=stock.headers,
    )
    assert_problem(response, 409, "location-not-usable")


def test_a_location_is_counted_once_at_a_time(counted):
    stock, _, a, _, _, _ = counted
    response = stock.client.post(
        "/api/v1/stocktakes", json={"location_ids": [a["id"]]}, headers=stock.headers
    )
    assert_problem(response, 409, "already-exists")


def test_differences_are_posted_as_adjustments(counted):
    stock, take, a, b, item, other = counted
    new_item = stock.item()
    url = f"/api/v1/stocktakes/{take['id']}"
    counts = [
        {"item_id": item["id"], "location_id": a["id"], "counted_quantity": "97.5"},
        {"item_id": other["id"], "location_id": b["id"], "counted_quantity": 10},
        {"item_id": new_item["id"], "location_id": b["id"], "counted_quantity": 4},
    ]
    response = stock.client.post(f"{url}/counts", json={"counts": counts}, headers=stock.headers)
    assert response.status_code == 200, response.text
    posted = stock.client.post(f"{url}/post", headers=stock.headers)
    assert posted.status_code == 200, posted.text
    body = posted.json()
    assert body["status"] == "posted"
    movement = stock.client.get(
        f"/api/v1/stock/movements/{body['movement_id']}", headers=stock.headers
    ).json()
    assert movement["movement_type"] == "adjustment"
    assert movement["document_type"] == "stocktake" and movement["document_id"] == take["id"]
    deltas = {(ln["item_id"], D(ln["quantity"])) for ln in movement["lines"]}
    assert deltas == {(item["id"], D("-2.5")), (new_item["id"], D(4))}
    assert D(stock.level(item["id"], a["id"])) == D("97.5")
    # The locations are free again.
    stock.issue(item["id"], a["id"], 1)


def test_uncounted_lines_block_posting(counted):
    stock, take, a, _, item, _ = counted
    url = f"/api/v1/stocktakes/{take['id']}"
    stock.client.post(
        f"{url}/counts",
        json={"counts": [{"item_id": item["id"], "location_id": a["id"], "counted_quantity": 100}]},
        headers=stock.headers,
    )
    assert_problem(stock.client.post(f"{url}/post", headers=stock.headers), 422, field="counts")


def test_counts_outside_the_stocktake_are_rejected(counted, stock):
    _, take, _, _, item, _ = counted
    elsewhere = stock.location(stock.warehouse()["id"])
    response = stock.client.post(
        f"/api/v1/stocktakes/{take['id']}/counts",
        json={
            "counts": [
                {"item_id": item["id"], "location_id": elsewhere["id"], "counted_quantity": 1}
            ]
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, field="counts[0].location_id")


def test_cancelled_stocktake_posts_nothing_and_frees_locations(counted):
    stock, take, a, _, item, _ = counted
    url = f"/api/v1/stocktakes/{take['id']}"
    assert stock.client.post(f"{url}/cancel", headers=stock.headers).json()["status"] == "cancelled"
    assert_problem(stock.client.post(f"{url}/post", headers=stock.headers), 409, "invalid-state")
    stock.issue(item["id"], a["id"], 1)
