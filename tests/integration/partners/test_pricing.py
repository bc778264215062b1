"""Price resolution: customer list > group lists (up the tree) > base price; then discount."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from tests.helpers import assert_problem


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def wheat(stock):
    return stock.item(item_no="WW-SAAT", name="Winterweizen Z-Saatgut", base_price="1.10")


def quote(trade, customer, item, quantity, **params):
    return trade.get(
        "/prices/quote", customer_id=customer["id"], item_id=item["id"], quantity=quantity, **params
    )


def test_base_price_when_no_list_has_the_item(trade, wheat):
    customer = trade.customer()
    result = quote(trade, customer, wheat, 10)
    assert result["price_source"] == "base_price" and D(result["net_unit_price"]) == D("1.10")
    assert D(result["net_amount"]) == D("11.00") and D(result["vat_percent"]) == 19


def test_customer_list_beats_group_list_and_quantity_breaks_apply(trade, stock, wheat):
    group_list = trade.price_list({"item_id": wheat["id"], "unit_price": "1.00"})
    own_list = trade.price_list(
        {"item_id": wheat["id"], "unit_price": "0.95"},
        {"item_id": wheat["id"], "unit_price": "0.90", "min_quantity": 1000},
    )
    group = trade.group(price_list_id=group_list["id"], discount_percent="2")
    customer = trade.customer(group_id=group["id"], price_list_id=own_list["id"])
    small = quote(trade, customer, wheat, 999)
    assert (small["price_source"], D(small["list_price"])) == ("customer_price_list", D("0.95"))
    large = quote(trade, customer, wheat, 1, unit="t")
    assert D(large["base_quantity"]) == 1000 and D(large["list_price"]) == D("0.90")
    # 0.90 less 2 % = 0.882 per kg; 1000 kg = 882.00
    assert D(large["net_unit_price"]) == D("0.882") and D(large["net_amount"]) == D("882.00")
    other = trade.customer(group_id=group["id"])
    assert quote(trade, other, wheat, 5)["price_source"] == "group_price_list"


def test_falls_through_lists_without_the_item_or_not_valid_on_the_day(trade, wheat):
    expired = trade.price_list(
        {"item_id": wheat["id"], "unit_price": "0.50"}, valid_to=day(-1), code="ALT"
    )
    parent_list = trade.price_list(
        {"item_id": wheat["id"], "unit_price": "0.99", "valid_from": day(-10)}
    )
    parent = trade.group(price_list_id=parent_list["id"])
    child = trade.group(parent_id=parent["id"], price_list_id=expired["id"])
    customer = trade.customer(group_id=child["id"])
    result = quote(trade, customer, wheat, 1)
    assert D(result["list_price"]) == D("0.99")
    assert [(s["source"], s["applied"]) for s in result["steps"] if s["kind"] == "price"] == [
        ("group_price_list", False),
        ("group_price_list", True),
    ]
    assert "not active or not valid" in result["steps"][0]["detail"]
    # The old list still applies on a day it was valid.
    assert D(quote(trade, customer, wheat, 1, date=day(-5))["list_price"]) == D("0.50")


def test_customer_discount_overrides_the_groups(trade, wheat):
    group = trade.group(discount_percent="10")
    customer = trade.customer(group_id=group["id"], discount_percent="0")
    result = quote(trade, customer, wheat, 100)
    assert D(result["discount_percent"]) == 0 and result["discount_source"] == "customer"
    assert D(result["net_unit_price"]) == D("1.10")


def test_no_price_anywhere_is_a_conflict_with_the_steps(trade, stock):
    item = stock.item()
    customer = trade.customer()
    response = trade.call(
        "GET", f"/prices/quote?customer_id={customer['id']}&item_id={item['id']}&quantity=1"
    )
    body = assert_problem(response, 409, "no-price")
    assert body["steps"][-1]["source"] == "base_price"


def test_overlapping_prices_for_the_same_break_are_refused(trade, wheat):
    price_list = trade.price_list({"item_id": wheat["id"], "unit_price": "1", "valid_to": day(30)})
    response = trade.call(
        "POST",
        f"/price-lists/{price_list['id']}/prices",
        {"item_id": wheat["id"], "unit_price": "2", "valid_from": day(10)},
        as_="manager",
    )
    assert_problem(response, 409, "price-overlap", "min_quantity")
    later = trade.post(
        f"/price-lists/{price_list['id']}/prices",
        {"item_id": wheat["id"], "unit_price": "2", "valid_from": day(31)},
        as_="manager",
    )
    assert D(later["unit_price"]) == 2
    assert len(trade.get(f"/price-lists/{price_list['id']}")["prices"]) == 2


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/price-lists", {"code": "N", "name": "N", "prices": [{"item_id": 1, "unit_price": -1}]}),
        ("/items", {"item_no": "N", "name": "N", "base_unit": "kg", "base_price": "-0.01"}),
    ],
)
def test_negative_prices_are_rejected(trade, url, body):
    response = trade.call("POST", url, body, as_="manager")
    assert_problem(response, 422, "validation-error")
    assert trade.get("/price-lists")["total"] == 0
    assert trade.get("/items")["total"] == 0


def test_vat_rates_change_by_date(trade, wheat):
    rates = trade.get("/tax-rates")
    assert {(r["category"], r["valid_from"], D(r["percent"])) for r in rates} >= {
        ("standard", "2021-01-01", D(19)),
        ("reduced", "2021-01-01", D(7)),
        ("standard", "2020-07-01", D(16)),
    }
    customer = trade.customer()
    assert D(quote(trade, customer, wheat, 1, date="2020-08-01")["vat_percent"]) == 16
    trade.post(
        "/tax-rates", {"category": "standard", "valid_from": day(1), "percent": "21"}, as_="manager"
    )
    assert D(quote(trade, customer, wheat, 1, date=day(1))["vat_percent"]) == 21
    assert D(quote(trade, customer, wheat, 1)["vat_percent"]) == 19
