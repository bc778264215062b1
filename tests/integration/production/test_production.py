"""Recipes and production orders through HTTP: FEFO consumption, output cost, genealogy,
cancellation with reversals, and the bad inputs of the issue."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy.orm import Session

from landkontor.inventory import genealogy
from landkontor.inventory.genealogy import Direction
from landkontor.inventory.verify import verify_stock
from tests.helpers import assert_problem


def day(offset):
    return (date.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def plant(stock):
    """A feed mill: three raw materials in batches, a compound feed with a recipe."""
    wh = stock.warehouse(code="MUEHLE")
    raw = stock.location(wh["id"], code="ROH", kind="silo")
    out = stock.location(wh["id"], code="FERTIG", kind="silo")
    wheat = stock.item(item_no="WEIZEN", batch_managed=True)
    soy = stock.item(item_no="SOJA", batch_managed=True)
    mineral = stock.item(item_no="MINERAL", batch_managed=True)
    feed = stock.item(item_no="MF18", batch_managed=True, shelf_life_days=90)
    batches = {}
    for item, name, qty, cost, best in [
        (wheat, "W-OLD", 300, "0.20", day(20)),
        (wheat, "W-NEW", 1000, "0.24", day(200)),
        (soy, "S-1", 500, "0.50", day(100)),
        (mineral, "M-1", 100, "1.00", day(300)),
    ]:
        moved = stock.receive(
            item["id"],
            raw["id"],
            qty,
            unit_cost=cost,
            batch={"batch_no": name, "best_before": best},
        )
        batches[name] = moved["lines"][0]["batch_id"]
    bom = stock.recipe(
        feed["id"],
        {"item_id": wheat["id"], "quantity": 600},
        {"item_id": soy["id"], "quantity": 350},
        {"item_id": mineral["id"], "quantity": 50, "loss_percent": 2},
    )
    return stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom


def order(stock, wh, out, feed, quantity=500, **extra):
    return stock.production_order(
        feed["id"], quantity, wh["id"], output_location_id=out["id"], **extra
    )


def test_feed_batch_from_three_inputs_with_fefo_consumption(plant, db):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    planned = order(stock, wh, out, feed, conversion_cost="15.00")
    assert {c["item_id"]: D(c["planned_quantity"]) for c in planned["components"]} == {
        wheat["id"]: 300,
        soy["id"]: 175,
        mineral["id"]: D("25.5"),
    }
    url = f"/api/v1/production-orders/{planned['id']}"
    released = stock.post(f"{url}/release", {}, status=200)
    assert released["status"] == "released"
    avail = stock.client.get(
        f"/api/v1/stock/availability/{soy['id']}", headers=stock.headers
    ).json()
    assert D(avail["reserved"]) == 175

    consumed = stock.post(f"{url}/consumptions", {}, status=200)
    assert consumed["status"] == "in_progress"
    assert {c["item_id"]: D(c["variance"]) for c in consumed["components"]} == {
        wheat["id"]: 0,
        soy["id"]: 0,
        mineral["id"]: 0,
    }
    # FEFO: the wheat that expires first is used up first.
    assert D(stock.level(wheat["id"], raw["id"], batches["W-OLD"])) == 0
    assert D(stock.level(wheat["id"], raw["id"], batches["W-NEW"])) == 1000
    avail = stock.client.get(
        f"/api/v1/stock/availability/{soy['id']}", headers=stock.headers
    ).json()
    assert D(avail["reserved"]) == 0

    done = stock.post(f"{url}/outputs", {"quantity": 500, "complete": True}, status=200)
    assert done["status"] == "completed"
    output = done["outputs"][0]
    # Moving average per item: wheat at (300*0.20 + 1000*0.24) / 1300; plus 15 conversion.
    wheat_average = ((D(300) * D("0.20") + D(1000) * D("0.24")) / 1300).quantize(D("0.000001"))
    wheat_value = (300 * wheat_average).quantize(D("0.0001"))
    assert D(output["value"]) == wheat_value + D("87.5") + D("25.5") + 15
    assert sum(D(c["consumed_value"]) for c in done["components"]) + 15 == D(output["value"])
    batch = stock.client.get(f"/api/v1/batches/{output['batch_id']}", headers=stock.headers).json()
    assert batch["batch_no"] == f"{date.today():%Y%m%d}-MF18-01"
    assert batch["origin"] == "production"
    assert batch["best_before"] == (date.today() + timedelta(days=90)).isoformat()
    with Session(db.engine) as s:
        parents = {t.batch_id for t in genealogy.trace(s, output["batch_id"], Direction.backward)}
        assert parents == {batches["W-OLD"], batches["S-1"], batches["M-1"]}
        assert verify_stock(s) == []


def test_partial_outputs_share_the_material_value(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    planned = order(stock, wh, out, feed, quantity=1000)
    first = stock.produce(planned["id"], 400, complete=False)
    url = f"/api/v1/production-orders/{planned['id']}"
    second = stock.post(f"{url}/outputs", {"quantity": 550, "complete": True}, status=200)
    values = [D(o["value"]) for o in second["outputs"]]
    total_material = sum(D(c["consumed_value"]) for c in second["components"])
    assert sum(values) == total_material
    assert values[0] == (total_material * 400 / 1000).quantize(D("0.0001"))
    assert D(second["produced_quantity"]) == 950
    assert first["outputs"][0]["batch_id"] != second["outputs"][1]["batch_id"]


def test_strict_release_lists_every_shortage(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    planned = order(stock, wh, out, feed, quantity=5000)
    response = stock.client.post(
        f"/api/v1/production-orders/{planned['id']}/release", json={}, headers=stock.headers
    )
    body = assert_problem(response, 409, "material-shortage")
    assert {s["item_id"] for s in body["shortages"]} == {wheat["id"], soy["id"], mineral["id"]}
    lenient = stock.post(
        f"/api/v1/production-orders/{planned['id']}/release", {"strict": False}, status=200
    )
    assert lenient["status"] == "released" and len(lenient["shortages"]) == 3


def test_cancelling_a_started_order_reverses_its_postings(plant, db):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    planned = order(stock, wh, out, feed)
    url = f"/api/v1/production-orders/{planned['id']}"
    produced = stock.produce(planned["id"], 200, complete=False)
    cancelled = stock.post(f"{url}/cancel", {"reason": "Mischer defekt"}, status=200)
    assert cancelled["status"] == "cancelled"
    assert D(stock.level(wheat["id"], raw["id"], batches["W-OLD"])) == 300
    assert D(stock.level(soy["id"], raw["id"], batches["S-1"])) == 500
    output_batch = produced["outputs"][0]["batch_id"]
    assert D(stock.level(feed["id"], out["id"], output_batch)) == 0
    assert (
        stock.client.get(f"/api/v1/batches/{output_batch}", headers=stock.headers).json()["status"]
        == "blocked"
    )
    with Session(db.engine) as s:
        assert genealogy.trace(s, output_batch, Direction.backward) == []
        assert verify_stock(s) == []
    avail = stock.client.get(
        f"/api/v1/stock/availability/{soy['id']}", headers=stock.headers
    ).json()
    assert D(avail["reserved"]) == 0
    assert_problem(
        stock.client.post(f"{url}/complete", headers=stock.headers), 409, "invalid-state"
    )


def test_explicit_batch_consumption_and_blocked_batch_refused(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    planned = order(stock, wh, out, feed)
    url = f"/api/v1/production-orders/{planned['id']}"
    stock.post(f"{url}/release", {}, status=200)
    explicit = stock.post(
        f"{url}/consumptions",
        {"lines": [{"item_id": wheat["id"], "quantity": 320, "batch_id": batches["W-NEW"]}]},
        status=200,
    )
    wheat_line = next(c for c in explicit["components"] if c["item_id"] == wheat["id"])
    assert D(wheat_line["variance"]) == 20  # over-consumption recorded
    stock.client.post(
        f"/api/v1/batches/{batches['S-1']}/status",
        json={"status": "blocked", "reason": "Probe"},
        headers=stock.headers,
    )
    response = stock.client.post(
        f"{url}/consumptions",
        json={
            "lines": [
                {
                    "item_id": soy["id"],
                    "quantity": 10,
                    "batch_id": batches["S-1"],
                    "location_id": raw["id"],
                }
            ]
        },
        headers=stock.headers,
    )
    assert_problem(response, 409, "batch-not-usable")
    fefo = stock.client.post(
        f"{url}/consumptions",
        json={"lines": [{"item_id": soy["id"], "quantity": 10}]},
        headers=stock.headers,
    )
    assert_problem(fefo, 409, "material-shortage")


def test_component_equal_to_output_is_rejected(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    response = stock.client.post(
        "/api/v1/boms",
        json={
            "item_id": feed["id"],
            "output_quantity": 1,
            "lines": [{"item_id": feed["id"], "quantity": 1}],
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, field="lines[0].item_id")


def test_recipe_cycle_is_rejected(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    premix = stock.item(item_no="PREMIX")
    stock.recipe(premix["id"], {"item_id": feed["id"], "quantity": 1}, output_quantity=1)
    response = stock.client.post(
        "/api/v1/boms",
        json={
            "item_id": mineral["id"],
            "output_quantity": 1,
            "lines": [{"item_id": premix["id"], "quantity": 1}],
        },
        headers=stock.headers,
    )
    assert_problem(response, 422, "bom-cycle")


def test_output_quantity_must_be_positive_and_order_state_respected(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    planned = order(stock, wh, out, feed)
    url = f"/api/v1/production-orders/{planned['id']}"
    assert_problem(
        stock.client.post(f"{url}/outputs", json={"quantity": 10}, headers=stock.headers),
        409,
        "invalid-state",
    )
    stock.post(f"{url}/release", {}, status=200)
    for bad in (0, -5):
        assert_problem(
            stock.client.post(f"{url}/outputs", json={"quantity": bad}, headers=stock.headers),
            422,
            field="quantity",
        )
    stock.post(f"{url}/cancel", {"reason": "Plan geändert"}, status=200)
    assert_problem(
        stock.client.post(f"{url}/complete", headers=stock.headers), 409, "invalid-state"
    )
    assert_problem(
        stock.client.post(f"{url}/outputs", json={"quantity": 1}, headers=stock.headers),
        409,
        "invalid-state",
    )


def test_order_without_recipe_is_rejected(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    response = stock.client.post(
        "/api/v1/production-orders",
        json={"item_id": wheat["id"], "quantity": 1, "warehouse_id": wh["id"]},
        headers=stock.headers,
    )
    assert_problem(response, 422, field="bom_id")


def test_new_default_recipe_replaces_the_old_default(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    v2 = stock.recipe(feed["id"], {"item_id": wheat["id"], "quantity": 1000})
    assert v2["version"] == 2 and v2["is_default"] is True
    old = stock.client.get(f"/api/v1/boms/{bom['id']}", headers=stock.headers).json()
    assert old["is_default"] is False
    planned = order(stock, wh, out, feed)
    assert planned["bom_id"] == v2["id"]


def test_production_orders_are_numbered_by_their_series_without_gaps(plant):
    stock, wh, raw, out, (wheat, soy, mineral, feed), batches, bom = plant
    year = date.today().year
    first = order(stock, wh, out, feed)
    refused = stock.client.post(
        "/api/v1/production-orders",
        json={"item_id": feed["id"], "quantity": 5, "warehouse_id": wh["id"], "bom_id": 999999},
        headers=stock.headers,
    )
    assert refused.status_code == 422, refused.text  # a refused order takes no number
    second = order(stock, wh, out, feed)
    assert [first["number"], second["number"]] == [f"PA-{year}-000001", f"PA-{year}-000002"]
