"""Customers, suppliers and customer groups: VAT ids, inheritance, roles."""

from decimal import Decimal as D

import pytest

from tests.helpers import assert_problem


@pytest.mark.parametrize(
    ("vat_id", "stored"),
    [
        ("DE136695976", "DE136695976"),
        ("de 136 695 976", "DE136695976"),
        ("ATU13585627", "ATU13585627"),
        ("NL004495445B01", "NL004495445B01"),
    ],
)
def test_valid_vat_ids_are_stored_compact(trade, vat_id, stored):
    assert trade.customer(vat_id=vat_id)["vat_id"] == stored


@pytest.mark.parametrize(
    ("vat_id", "says"),
    [
        ("DE136695977", "check digit"),
        ("DE12345", "not a valid DE VAT id"),
        ("XX123456789", "EU member state"),
    ],
)
def test_invalid_vat_ids_are_rejected_with_the_reason(trade, vat_id, says):
    response = trade.call(
        "POST", "/customers", {"customer_no": "K1", "name": "X", "vat_id": vat_id}, as_="manager"
    )
    body = assert_problem(response, 422, "validation-error", "vat_id")
    assert says in body["errors"][0]["message"]
    assert trade.get("/customers")["total"] == 0


def test_customer_inherits_what_it_does_not_set_from_its_groups(trade):
    price_list = trade.price_list()
    parent = trade.group(
        code="LW",
        discount_percent="3",
        payment_days=30,
        cash_discount_percent="2",
        cash_discount_days=10,
        credit_limit="50000",
        price_list_id=price_list["id"],
    )
    child = trade.group(code="LW-BIO", parent_id=parent["id"], discount_percent="5")
    customer = trade.customer(group_id=child["id"], credit_limit="1000")
    effective = customer["effective"]
    assert (D(effective["discount_percent"]), effective["discount_source"]) == (
        D(5),
        "group LW-BIO",
    )
    assert (D(effective["credit_limit"]), effective["credit_limit_source"]) == (D(1000), "customer")
    assert (effective["payment_days"], effective["payment_terms_source"]) == (30, "group LW")
    assert (D(effective["cash_discount_percent"]), effective["cash_discount_days"]) == (D(2), 10)
    assert effective["price_list_ids"] == [price_list["id"]]
    # Clearing the customer's own limit makes the group's apply again.
    changed = trade.call(
        "PATCH", f"/customers/{customer['id']}", {"credit_limit": None}, as_="manager", status=200
    ).json()
    assert changed["effective"]["credit_limit_source"] == "group LW"


def test_without_terms_anywhere_the_default_payment_days_apply(trade):
    effective = trade.customer()["effective"]
    assert (effective["payment_days"], effective["payment_terms_source"]) == (30, "default")
    assert effective["credit_limit"] is None and D(effective["discount_percent"]) == 0


def test_group_cannot_become_its_own_ancestor(trade):
    top = trade.group(code="A")
    middle = trade.group(code="B", parent_id=top["id"])
    response = trade.call(
        "PATCH", f"/customer-groups/{top['id']}", {"parent_id": middle["id"]}, as_="manager"
    )
    assert_problem(response, 422, "invalid-input", "parent_id")
    assert trade.get(f"/customer-groups/{top['id']}")["parent_id"] is None


def test_cash_discount_needs_days_and_payment_days(trade):
    response = trade.call(
        "POST",
        "/customers",
        {"customer_no": "K9", "name": "X", "cash_discount_percent": "2"},
        as_="manager",
    )
    assert_problem(response, 422, "validation-error")
    customer = trade.customer(payment_days=30)
    response = trade.call(
        "PATCH",
        f"/customers/{customer['id']}",
        {"cash_discount_percent": "2", "cash_discount_days": 40},
        as_="manager",
    )
    assert_problem(response, 422, "invalid-input", "cash_discount_days")


def test_master_data_needs_a_manager(trade):
    response = trade.call("POST", "/customers", {"customer_no": "K2", "name": "X"})
    assert_problem(response, 403, "forbidden")
    response = trade.call("POST", "/suppliers", {"supplier_no": "L2", "name": "X"})
    assert_problem(response, 403, "forbidden")


def test_duplicate_numbers_and_unknown_references(trade):
    trade.customer(customer_no="K-1")
    assert_problem(
        trade.call("POST", "/customers", {"customer_no": "K-1", "name": "X"}, as_="manager"),
        409,
        "already-exists",
        "customer_no",
    )
    assert_problem(
        trade.call(
            "POST",
            "/customers",
            {"customer_no": "K-2", "name": "X", "group_id": 999},
            as_="manager",
        ),
        422,
        "invalid-input",
        "group_id",
    )
    assert_problem(trade.call("GET", "/customers/999"), 404, "not-found")


def test_suppliers_are_listed_and_searchable(trade):
    trade.supplier(supplier_no="L-RAIFF", name="Raiffeisen Warengenossenschaft")
    trade.supplier(supplier_no="L-BAYWA", name="BayWa")
    page = trade.get("/suppliers", q="raiff")
    assert [s["supplier_no"] for s in page["items"]] == ["L-RAIFF"]
