"""Warehouses and storage locations: the tree, leaves, blocking."""

from tests.helpers import assert_problem


def test_location_tree_and_subtree_filter(client, stock):
    wh = stock.warehouse(code="HAUPT")
    zone = stock.location(wh["id"], code="Z1", kind="zone")
    rack = stock.location(wh["id"], code="R1", kind="rack", parent_id=zone["id"])
    bin_ = stock.location(wh["id"], code="F1", kind="bin", parent_id=rack["id"])
    other = stock.location(wh["id"], code="SILO1", kind="silo")
    assert bin_["path"] == f"/{zone['id']}/{rack['id']}/{bin_['id']}/"
    page = client.get(f"/api/v1/locations?within={zone['id']}", headers=stock.headers).json()
    assert {loc["id"] for loc in page["items"]} == {zone["id"], rack["id"], bin_["id"]}
    assert other["id"] not in {loc["id"] for loc in page["items"]}


def test_only_leaf_locations_take_stock(client, stock):
    wh = stock.warehouse()
    zone = stock.location(wh["id"], kind="zone")
    stock.location(wh["id"], parent_id=zone["id"])
    item = stock.item()
    response = client.post(
        "/api/v1/stock/movements",
        json={
            "type": "receipt",
            "lines": [{"item_id": item["id"], "location_id": zone["id"], "quantity": 5}],
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, "location-not-leaf", "lines[0].location_id")


def test_location_with_stock_cannot_get_children(client, stock):
    wh = stock.warehouse()
    silo = stock.location(wh["id"], kind="silo")
    item = stock.item()
    stock.receive(item["id"], silo["id"], 10)
    response = client.post(
        "/api/v1/locations",
        json={"warehouse_id": wh["id"], "parent_id": silo["id"], "code": "X", "name": "x"},
        headers=stock.headers,
    )
    assert_problem(response, 409, "invalid-state", "parent_id")


def test_parent_must_be_in_the_same_warehouse(client, stock):
    a, b = stock.warehouse(), stock.warehouse()
    parent = stock.location(a["id"])
    response = client.post(
        "/api/v1/locations",
        json={"warehouse_id": b["id"], "parent_id": parent["id"], "code": "X", "name": "x"},
        headers=stock.headers,
    )
    assert_problem(response, 422, field="parent_id")


def test_duplicate_codes_are_rejected(client, stock):
    wh = stock.warehouse(code="NORD")
    assert_problem(
        client.post(
            "/api/v1/warehouses", json={"code": "NORD", "name": "x"}, headers=stock.headers
        ),
        409,
        "already-exists",
        "code",
    )
    stock.location(wh["id"], code="A1")
    response = client.post(
        "/api/v1/locations",
        json={"warehouse_id": wh["id"], "code": "A1", "name": "x"},
        headers=stock.headers,
    )
    assert_problem(response, 409, "already-exists", "code")


def test_blocked_location_takes_nothing_in_and_gives_nothing_out(client, stock):
    wh = stock.warehouse()
    loc, spare = stock.location(wh["id"]), stock.location(wh["id"])
    item = stock.item()
    stock.receive(item["id"], loc["id"], 10)
    client.patch(f"/api/v1/locations/{loc['id']}", json={"blocked": True}, headers=stock.headers)
    line = {"item_id": item["id"], "location_id": loc["id"], "quantity": 1}
    assert_problem(
        stock.client.post(
            "/api/v1/stock/movements",
            json={"type": "receipt", "lines": [line]},
            headers=stock.headers,
        ),
        409,
        "location-not-usable",
    )
    assert_problem(
        stock.client.post(
            "/api/v1/stock/movements",
            json={"type": "issue", "lines": [line]},
            headers=stock.headers,
        ),
        409,
        "location-not-usable",
    )
    # Clearing a blocked location by transfer is allowed.
    stock.move("transfer", {**line, "to_location_id": spare["id"]})
    assert stock.level(item["id"], spare["id"]) == "1.0000"
