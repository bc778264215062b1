"""Mixing links batches; traces run over the links; recalls follow them downstream."""

from decimal import Decimal as D

import pytest

from landkontor.inventory import genealogy
from landkontor.inventory.genealogy import Direction
from tests.helpers import assert_problem


@pytest.fixture
def silo(stock):
    wh = stock.warehouse()
    a, b, c = (stock.location(wh["id"], kind="silo") for _ in range(3))
    grain = stock.item(batch_managed=True, base_unit="t")
    first = stock.receive(grain["id"], a["id"], 10, unit_cost="200", batch={"batch_no": "S1"})
    second = stock.receive(grain["id"], b["id"], 30, unit_cost="240", batch={"batch_no": "S2"})
    return stock, grain, a, b, c, first["lines"][0]["batch_id"], second["lines"][0]["batch_id"]


def mix(stock, grain, inputs, location, batch_no):
    response = stock.client.post(
        "/api/v1/stock/mixes",
        json={
            "inputs": inputs,
            "output": {
                "item_id": grain["id"],
                "location_id": location["id"],
                "batch": {"batch_no": batch_no},
            },
            "reference": "Silo-Zusammenlegung",
        },
        headers=stock.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_mixing_two_silo_batches_carries_quantity_value_and_genealogy(silo, session):
    stock, grain, a, b, c, s1, s2 = silo
    result = mix(
        stock,
        grain,
        [
            {"item_id": grain["id"], "batch_id": s1, "location_id": a["id"], "quantity": 10},
            {"item_id": grain["id"], "batch_id": s2, "location_id": b["id"], "quantity": 30},
        ],
        c,
        "MIX-1",
    )
    out = result["output_batch_id"]
    assert D(stock.level(grain["id"], c["id"], out)) == 40
    valuation = stock.client.get(
        "/api/v1/stock/valuation", params={"item_id": grain["id"]}, headers=stock.headers
    ).json()
    assert D(valuation["total_value"]) == 2000 + 7200
    back = genealogy.trace(session, out, Direction.backward)
    assert {t.batch_id for t in back} == {s1, s2}
    forward = genealogy.trace(session, s1, Direction.forward)
    assert [t.batch_id for t in forward] == [out]


def test_traces_follow_several_generations_and_respect_depth(silo, session):
    stock, grain, a, b, c, s1, s2 = silo
    m1 = mix(
        stock,
        grain,
        [{"item_id": grain["id"], "batch_id": s1, "location_id": a["id"], "quantity": 10}],
        c,
        "G1",
    )
    m2 = mix(
        stock,
        grain,
        [
            {
                "item_id": grain["id"],
                "batch_id": m1["output_batch_id"],
                "location_id": c["id"],
                "quantity": 10,
            }
        ],
        a,
        "G2",
    )
    deep = genealogy.trace(session, m2["output_batch_id"], Direction.backward)
    assert [(t.batch_id, t.depth) for t in deep] == [(m1["output_batch_id"], 1), (s1, 2)]
    shallow = genealogy.trace(session, m2["output_batch_id"], Direction.backward, depth=1)
    assert [t.batch_id for t in shallow] == [m1["output_batch_id"]]


def test_recall_marks_the_batch_and_everything_made_from_it(silo, session):
    from landkontor.production.trace import recall

    stock, grain, a, b, c, s1, s2 = silo
    m1 = mix(
        stock,
        grain,
        [{"item_id": grain["id"], "batch_id": s1, "location_id": a["id"], "quantity": 5}],
        c,
        "R1",
    )
    changed = recall(session, s1, "Mykotoxin über Grenzwert", actor="qs").newly_recalled
    assert set(changed) == {s1, m1["output_batch_id"]}
    assert recall(session, s1, "nochmal", actor="qs").newly_recalled == []  # idempotent
    for batch_id in (s1, m1["output_batch_id"]):
        assert (
            stock.client.get(f"/api/v1/batches/{batch_id}", headers=stock.headers).json()["status"]
            == "recalled"
        )
    assert (
        stock.client.get(f"/api/v1/batches/{s2}", headers=stock.headers).json()["status"]
        == "released"
    )


def test_mixing_a_blocked_batch_is_refused(silo):
    stock, grain, a, b, c, s1, s2 = silo
    stock.client.post(
        f"/api/v1/batches/{s1}/status",
        json={"status": "blocked", "reason": "Probe"},
        headers=stock.headers,
    )
    response = stock.client.post(
        "/api/v1/stock/mixes",
        json={
            "inputs": [
                {"item_id": grain["id"], "batch_id": s1, "location_id": a["id"], "quantity": 1}
            ],
            "output": {"item_id": grain["id"], "location_id": c["id"], "batch": {"batch_no": "X"}},
        },
        headers=stock.headers,
    )
    assert_problem(response, 409, "batch-not-usable")


def test_the_links_among_traced_batches_are_one_edge_per_pair(silo, session):
    stock, grain, a, b, c, s1, s2 = silo
    first = mix(
        stock,
        grain,
        [
            {"item_id": grain["id"], "batch_id": s1, "location_id": a["id"], "quantity": 4},
            {"item_id": grain["id"], "batch_id": s2, "location_id": b["id"], "quantity": 6},
        ],
        c,
        "E1",
    )["output_batch_id"]
    edges = genealogy.links_among(session, [s1, s2, first])
    assert {(e.parent_batch_id, e.child_batch_id, e.quantity) for e in edges} == {
        (s1, first, D("4")),
        (s2, first, D("6")),
    }
    assert genealogy.links_among(session, [s1, s2]) == []  # only links inside the set
    assert genealogy.links_among(session, []) == []
