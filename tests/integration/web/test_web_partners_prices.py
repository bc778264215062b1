"""Kunden, Lieferanten and Preise over the real database (no browser): forms with German
messages at their fields and the input kept, the credit exposure, price lists with breaks,
the price check with its steps, roles, CSRF and statements per list page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from landkontor.partners.models import Customer, PriceListEntry


def _count(session, model) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.rollback()


@pytest.fixture
def feed(stock):
    return stock.item(item_no="MLF-18", name="Milchleistungsfutter 18", base_unit="kg")


def test_a_manager_creates_a_customer_in_a_group_and_sees_its_inherited_terms(
    web_client, trade, session
):
    group = trade.group(code="LW", name="Landwirte", discount_percent="2", payment_days=30)
    web_client.login_as("manager")
    form = web_client.get("/kunden/neu")
    assert form.status_code == 200 and "LW Landwirte" in form.text
    created = web_client.post(
        "/kunden/neu",
        {
            "customer_no": "K-500",
            "name": "Hof Behrens",
            "street": "Dorfstraße 3",
            "postal_code": "29221",
            "city": "Celle",
            "country": "DE",
            "vat_id": "DE136695976",
            "group_id": str(group["id"]),
            "credit_limit": "10.000,00",
            "invoice_format": "pdf",
        },
    )
    assert created.status_code == 303, created.text
    page = web_client.get(created.headers["location"]).text
    assert "K-500 · Hof Behrens" in page and "DE136695976" in page
    assert "2,00 %" in page and "von der Kundengruppe LW" in page
    assert re.search(r'id="credit-exposure">0,00 €<', page)
    assert re.search(r'id="credit-available">10.000,00 €<', page)
    listed = web_client.get("/kunden?q=behrens").text
    assert "K-500" in listed and "LW" in listed


def test_a_wrong_vat_id_is_named_at_its_field_and_nothing_is_created(web_client, session):
    web_client.login_as("manager")
    before = _count(session, Customer)
    response = web_client.post(
        "/kunden/neu",
        {"customer_no": "K-501", "name": "Hof Ohne", "vat_id": "DE123", "invoice_format": "pdf"},
    )
    assert response.status_code == 422
    assert re.search(r'id="e-vat_id"[^>]*>Keine gültige USt-IdNr', response.text)
    assert 'value="DE123"' in response.text and 'value="Hof Ohne"' in response.text
    assert _count(session, Customer) == before


def test_a_taken_customer_number_and_unfitting_terms_show_at_their_fields(web_client, trade):
    trade.customer(customer_no="K-502")
    web_client.login_as("manager")
    taken = web_client.post(
        "/kunden/neu", {"customer_no": "K-502", "name": "Zweiter", "invoice_format": "pdf"}
    )
    assert taken.status_code == 422
    assert re.search(r'id="e-customer_no"[^>]*>Das gibt es schon', taken.text)
    terms = web_client.post(
        "/kunden/neu",
        {
            "customer_no": "K-503",
            "name": "Skonto ohne Ziel",
            "cash_discount_percent": "2",
            "cash_discount_days": "10",
            "invoice_format": "pdf",
        },
    )
    assert terms.status_code == 422
    assert re.search(r'id="e-cash_discount_days"[^>]*>Skonto braucht', terms.text)


def test_editing_a_customer_blocks_it_and_clears_its_own_limit(web_client, trade):
    customer = trade.customer(customer_no="K-504", credit_limit="500.00", street="Weg 1")
    web_client.login_as("manager")
    form = web_client.get(f"/kunden/{customer['id']}/bearbeiten").text
    assert 'value="500"' in form and 'value="Weg 1"' in form
    saved = web_client.post(
        f"/kunden/{customer['id']}/bearbeiten",
        {
            "name": "Hof Meyer",
            "street": "",
            "city": "Celle",
            "country": "DE",
            "invoice_format": "pdf",
            "blocked": "on",
            "blocked_reason": "Mahnstufe 3",
            "credit_limit": "",
        },
    )
    assert saved.status_code == 303, saved.text
    page = web_client.get(f"/kunden/{customer['id']}").text
    assert "gesperrt" in page and "Mahnstufe 3" in page and "kein Limit" in page
    assert "gesperrt" in web_client.get("/kunden?gesperrt=ja").text


def test_a_clerk_sees_customers_but_may_not_change_them(web_client, trade, session):
    customer = trade.customer(customer_no="K-505")
    web_client.login_as("clerk")
    page = web_client.get("/kunden").text
    assert "K-505" in page and "/kunden/neu" not in page
    assert "Bearbeiten" not in web_client.get(f"/kunden/{customer['id']}").text
    before = _count(session, Customer)
    refused = web_client.post("/kunden/neu", {"customer_no": "K-506", "name": "X"})
    assert refused.status_code == 403 and _count(session, Customer) == before
    assert web_client.get(f"/kunden/{customer['id']}/bearbeiten").status_code == 403


def test_a_form_without_the_csrf_token_changes_nothing(web_client, session):
    web_client.login_as("manager")
    before = _count(session, Customer)
    refused = web_client.post(
        "/kunden/neu", {"customer_no": "K-507", "name": "Ohne Token"}, csrf=False
    )
    assert refused.status_code == 403 and _count(session, Customer) == before


def test_a_supplier_is_created_edited_and_found(web_client, session):
    web_client.login_as("manager")
    created = web_client.post(
        "/lieferanten/neu",
        {
            "supplier_no": "L-900",
            "name": "Raiffeisen Saaten",
            "city": "Uelzen",
            "payment_days": "14",
            "invoice_format": "pdf",
        },
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    assert "14 Tage netto" in web_client.get(url).text
    bad = web_client.post(
        url + "/bearbeiten",
        {"name": "", "city": "Uelzen", "country": "DE", "invoice_format": "pdf"},
    )
    assert bad.status_code == 422 and re.search(r'id="e-name"[^>]*>', bad.text)
    saved = web_client.post(
        url + "/bearbeiten",
        {
            "name": "Raiffeisen Saaten eG",
            "city": "Uelzen",
            "country": "DE",
            "invoice_format": "pdf",
        },
    )
    assert saved.status_code == 303
    assert "Raiffeisen Saaten eG" in web_client.get("/lieferanten?q=saaten").text


def test_a_customer_group_with_defaults_and_a_price_list(web_client, trade):
    price_list = trade.price_list(code="PL-LW", name="Landwirte")
    web_client.login_as("manager")
    bad = web_client.post(
        "/preise/gruppen/neu", {"code": "GR", "name": "Gross", "cash_discount_percent": "2"}
    )
    assert bad.status_code == 422 and 'value="Gross"' in bad.text
    assert re.search(r'id="e-cash_discount_days"[^>]*>Skonto braucht', bad.text)
    created = web_client.post(
        "/preise/gruppen/neu",
        {
            "code": "GR",
            "name": "Großkunden",
            "discount_percent": "3,5",
            "price_list_id": str(price_list["id"]),
            "payment_days": "30",
            "cash_discount_percent": "2",
            "cash_discount_days": "10",
            "credit_limit": "50.000",
        },
    )
    assert created.status_code == 303, created.text
    page = web_client.get("/preise").text
    assert "Großkunden" in page and "3,50 %" in page and "PL-LW" in page
    assert "50.000,00 €" in page and "2,00 % Skonto 10 Tage" in page


def test_a_price_list_with_a_quantity_break(web_client, feed, session):
    web_client.login_as("manager")
    created = web_client.post(
        "/preise/listen/neu", {"code": "PL-24", "name": "Herbst", "active": "on"}
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    for break_, price in (("", "0,52"), ("1.000", "0,48")):
        added = web_client.post(
            url + "/preise", {"item_no": "MLF-18", "min_quantity": break_, "unit_price": price}
        )
        assert added.status_code == 303, added.text
    page = web_client.get(url).text
    assert "0,52 € / kg" in page and "0,48 € / kg" in page and "1.000 kg" in page
    before = _count(session, PriceListEntry)
    twice = web_client.post(
        url + "/preise", {"item_no": "MLF-18", "min_quantity": "1000", "unit_price": "0,47"}
    )
    assert twice.status_code == 422
    assert "überschneidet sich" in twice.text and 'value="0,47"' in twice.text
    unknown = web_client.post(url + "/preise", {"item_no": "NIX", "unit_price": "1"})
    assert unknown.status_code == 422
    assert re.search(r'id="e-item_no"[^>]*>Diese Artikelnummer gibt es nicht', unknown.text)
    assert _count(session, PriceListEntry) == before
    price_id = re.findall(r"/preise/(\d+)/entfernen", page)[0]
    removed = web_client.post(f"{url}/preise/{price_id}/entfernen")
    assert removed.status_code == 303
    assert _count(session, PriceListEntry) == before - 1


def test_the_price_check_shows_the_price_and_each_step(web_client, trade, feed):
    own = trade.price_list({"item_id": feed["id"], "unit_price": "0.60"}, active=False)
    group_list = trade.price_list(
        {"item_id": feed["id"], "unit_price": "0.50"},
        {"item_id": feed["id"], "unit_price": "0.45", "min_quantity": "1000"},
        code="PL-GRUPPE",
    )
    group = trade.group(code="MILCH", price_list_id=group_list["id"], discount_percent="2")
    trade.customer(customer_no="K-600", group_id=group["id"], price_list_id=own["id"])
    web_client.login_as("viewer")
    page = web_client.get("/preise/pruefung?kunde=K-600&artikel=MLF-18&menge=1.200")
    assert page.status_code == 200
    assert "0,441 € je kg netto" in page.text  # 0,45 less 2 %
    steps = re.search(r'id="quote-steps">(.*?)</ol>', page.text, re.S).group(1)
    assert "nicht aktiv" in steps and "PL-GRUPPE" in steps and "MILCH" in steps
    assert "0,45 € je kg ab 1.000 kg" in steps and "2,00 %" in steps
    assert re.search(r'id="quote-amount">529,20 €<', page.text)
    live = web_client.get(
        "/preise/pruefung/ergebnis?kunde=K-999&artikel=MLF-18&menge=1",
        headers={"HX-Request": "true"},
    )
    assert re.search(r'id="e-kunde"[^>]*>Diesen Kunden gibt es nicht', live.text)
    bad = web_client.get("/preise/pruefung/ergebnis?kunde=K-600&artikel=MLF-18&menge=-1")
    assert re.search(r'id="e-menge"[^>]*>Bitte eine Menge', bad.text)


def test_the_price_check_without_any_price_says_so_with_its_steps(web_client, trade, feed):
    trade.customer(customer_no="K-601")
    web_client.login_as("clerk")
    page = web_client.get("/preise/pruefung?kunde=K-601&artikel=MLF-18&menge=5").text
    assert "Kein Preis gefunden." in page and "kein Grundpreis" in page


@pytest.mark.parametrize("url", ["/kunden", "/lieferanten", "/preise", "/preise/listen"])
def test_partner_list_pages_run_as_many_statements_for_many_rows_as_for_few(
    web_client, trade, count_statements, url
):
    group = trade.group()
    trade.customer(group_id=trade.group(parent_id=group["id"])["id"])
    trade.supplier()
    trade.price_list()
    web_client.login_as("viewer")
    web_client.get(url)

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get(url).status_code == 200
        return counter.count

    few = statements()
    for _ in range(8):
        other = trade.group(parent_id=group["id"])
        trade.customer(group_id=other["id"])
        trade.supplier()
        trade.price_list()
    assert statements() == few
