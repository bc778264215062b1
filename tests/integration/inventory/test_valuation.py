"""Moving-average valuation through postings; as-of and per-warehouse figures."""

from datetime import UTC, datetime
from decimal import Decimal as D

from tests.helpers import assert_problem


def valuation(stock, **params):
    response = stock.client.get("/api/v1/stock/valuation", params=params, headers=stock.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_moving_average_after_mixed_receipts_and_issues(stock):
    wh = stock.warehouse()
    loc = stock.location(wh["id"])
    item = stock.item(item_no="WEIZEN", base_unit="t")
    stock.receive(item["id"], loc["id"], 100, unit_cost="200")
    stock.receive(item["id"], loc["id"], 100, unit_cost="230")
    issue = stock.issue(item["id"], loc["id"], 50)
    assert D(issue["lines"][0]["unit_cost"]) == 215
    assert D(issue["lines"][0]["value"]) == -10750
    stock.receive(item["id"], loc["id"], 50, unit_cost="250")
    row = valuation(stock, item_id=item["id"])["rows"][0]
    # 150 t at 215 = 32250, plus 50 t at 250 = 12500
    assert D(row["quantity"]) == 200
    assert D(row["value"]) == 44750
    assert D(row["average_cost"]) == D("223.75")


def test_receipt_in_kilograms_is_valued_per_tonne(stock):
    wh = stock.warehouse()
    loc = stock.location(wh["id"])
    item = stock.item(base_unit="t")
    movement = stock.receive(item["id"], loc["id"], 2500, unit="kg", unit_cost="0.21")
    line = movement["lines"][0]
    assert D(line["quantity"]) == D("2.5")
    assert D(line["unit_cost"]) == 210 and D(line["value"]) == D("525")


def test_valuation_per_warehouse_and_as_of_a_moment(stock):
    north, south = stock.warehouse(), stock.warehouse()
    n, s = stock.location(north["id"]), stock.location(south["id"])
    item = stock.item()
    stock.receive(item["id"], n["id"], 10, unit_cost="3")
    before_second = datetime.now(UTC).isoformat()
    stock.receive(item["id"], s["id"], 30, unit_cost="5")
    stock.move(
        "transfer",
        {"item_id": item["id"], "location_id": s["id"], "to_location_id": n["id"], "quantity": 10},
    )
    rows = valuation(stock, by_warehouse="true", item_id=item["id"])["rows"]
    by_wh = {r["warehouse_id"]: (D(r["quantity"]), D(r["value"])) for r in rows}
    # average after both receipts: (30 + 150) / 40 = 4.5; the transfer moves 10 at 4.5
    assert by_wh[north["id"]] == (20, D("75"))
    assert by_wh[south["id"]] == (20, D("105"))
    total = valuation(stock, item_id=item["id"])
    assert D(total["total_value"]) == 180
    earlier = valuation(stock, as_of=before_second, item_id=item["id"])
    assert [D(r["value"]) for r in earlier["rows"]] == [30]


def test_reversed_issue_returns_at_the_cost_it_left_with(stock):
    wh = stock.warehouse()
    loc = stock.location(wh["id"])
    item = stock.item()
    stock.receive(item["id"], loc["id"], 10, unit_cost="2")
    issue = stock.issue(item["id"], loc["id"], 4)
    stock.receive(item["id"], loc["id"], 6, unit_cost="4")  # avg (12 + 24) / 12 = 3
    reversal = stock.client.post(
        f"/api/v1/stock/movements/{issue['id']}/reverse",
        json={"reason": "Rücklieferung"},
        headers=stock.headers,
    ).json()
    assert D(reversal["lines"][0]["value"]) == 8
    row = valuation(stock, item_id=item["id"])["rows"][0]
    assert (D(row["quantity"]), D(row["value"])) == (16, 44)


def test_bad_valuation_date_is_a_problem(stock):
    response = stock.client.get(
        "/api/v1/stock/valuation", params={"as_of": "gestern"}, headers=stock.headers
    )
    assert_problem(response, 422, field="as_of")
