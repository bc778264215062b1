"""Units and items through HTTP and the exact unit conversion."""

from decimal import Decimal

import pytest

from landkontor.catalog import service
from landkontor.errors import InvalidInput
from tests.helpers import assert_problem

FEED = {
    "item_no": "MF-100",
    "name": "Milchleistungsfutter 18/4",
    "base_unit": "kg",
    "item_group": "Mischfutter",
    "batch_managed": True,
    "shelf_life_days": 90,
    "pack_units": [
        {"code": "SACK25", "name": "Sack 25 kg", "factor": "25"},
        {"code": "BB600", "name": "Big Bag 600 kg", "factor": 600},
    ],
}


def test_create_and_read_item(client, manager):
    response = client.post("/api/v1/items", json=FEED, headers=manager)
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["base_unit"] == "kg" and item["batch_managed"] is True
    assert {u["code"]: u["factor"] for u in item["pack_units"]} == {
        "BB600": "600.0000",
        "SACK25": "25.0000",
    }
    got = client.get(f"/api/v1/items/{item['id']}", headers=manager).json()
    assert got == item


def test_items_are_listed_paged_and_searchable(client, manager):
    for n in range(3):
        body = {"item_no": f"W-{n}", "name": f"Weizen {n}", "base_unit": "t"}
        assert client.post("/api/v1/items", json=body, headers=manager).status_code == 201
    page = client.get("/api/v1/items?q=weizen&limit=2", headers=manager).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [i["item_no"] for i in page["items"]] == ["W-0", "W-1"]


def test_clerks_cannot_create_master_data(client, clerk):
    assert_problem(client.post("/api/v1/items", json=FEED, headers=clerk), 403, "forbidden")


def test_duplicate_item_number_is_409(client, manager):
    client.post("/api/v1/items", json=FEED, headers=manager)
    assert_problem(
        client.post("/api/v1/items", json=FEED, headers=manager), 409, "already-exists", "item_no"
    )


def test_unknown_base_unit_is_named(client, manager):
    body = {**FEED, "base_unit": "Fass"}
    assert_problem(client.post("/api/v1/items", json=body, headers=manager), 422, field="base_unit")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pack_units": [{"code": "S", "name": "S", "factor": 0}]}, "pack_units[0].factor"),
        ({"shelf_life_days": -1}, "shelf_life_days"),
        ({"item_no": ""}, "item_no"),
        ({"reorder_quantity": "-5"}, "reorder_quantity"),
    ],
)
def test_invalid_item_fields_are_named(client, manager, change, field):
    response = client.post("/api/v1/items", json={**FEED, **change}, headers=manager)
    assert_problem(response, 422, field=field)
    assert client.get("/api/v1/items", headers=manager).json()["total"] == 0


def test_update_item_and_add_pack_unit(client, manager):
    item = client.post("/api/v1/items", json=FEED, headers=manager).json()
    changed = client.patch(
        f"/api/v1/items/{item['id']}", json={"name": "MLF 18/4", "active": False}, headers=manager
    ).json()
    assert changed["name"] == "MLF 18/4" and changed["active"] is False
    response = client.post(
        f"/api/v1/items/{item['id']}/units",
        json={"code": "PAL", "name": "Palette 40 Sack", "factor": 1000},
        headers=manager,
    )
    assert response.status_code == 201
    assert "PAL" in [u["code"] for u in response.json()["pack_units"]]
    again = client.post(
        f"/api/v1/items/{item['id']}/units",
        json={"code": "PAL", "name": "again", "factor": 1},
        headers=manager,
    )
    assert_problem(again, 422, field="pack_units")


def test_base_unit_cannot_be_changed(client, manager):
    item = client.post("/api/v1/items", json=FEED, headers=manager).json()
    response = client.patch(f"/api/v1/items/{item['id']}", json={"base_unit": "t"}, headers=manager)
    assert_problem(response, 422, field="base_unit")


def test_units_listed_with_standard_units(client, viewer):
    codes = {u["code"] for u in client.get("/api/v1/units", headers=viewer).json()}
    assert {"kg", "t", "l", "Stk"} <= codes


def _item(session, **kw):
    from landkontor.catalog.schemas import ItemCreate

    return service.create_item(session, ItemCreate(**{**FEED, **kw}))


def test_pack_and_dimension_units_convert_exactly(session):
    item = _item(session)
    to_base = service.to_base_quantity
    assert to_base(session, item, Decimal(3), "SACK25").quantity == Decimal("75.0000")
    assert to_base(session, item, Decimal("1.5"), "t").quantity == Decimal(1500)
    assert to_base(session, item, Decimal("250"), "g").quantity == Decimal("0.25")
    assert to_base(session, item, Decimal("7.125"), None).quantity == Decimal("7.125")


def test_tonne_item_takes_kilograms_exactly(session):
    item = _item(session, item_no="WEIZEN", base_unit="t", pack_units=[])
    assert service.to_base_quantity(session, item, Decimal(25), "kg").quantity == Decimal("0.025")
    with pytest.raises(InvalidInput, match="decimal places"):
        service.to_base_quantity(session, item, Decimal("0.01"), "kg")


def test_units_of_another_dimension_are_rejected(session):
    item = _item(session)
    with pytest.raises(InvalidInput, match="does not convert"):
        service.to_base_quantity(session, item, Decimal(1), "l")
    with pytest.raises(InvalidInput, match="unknown unit"):
        service.to_base_quantity(session, item, Decimal(1), "Fass")
