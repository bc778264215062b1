"""Lagerbewegungen and Inventur over the real database (no browser): postings through the
forms with German numbers and errors at their fields, idempotency, the running balance,
reversal, stocktaking, roles and statements per page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from landkontor.inventory.models import LedgerEntry, StockMovement


@pytest.fixture
def goods(stock):
    warehouse = stock.warehouse(code="NORD", name="Standort Nord")
    hall = stock.location(warehouse["id"], code="H1", name="Halle 1", kind="hall")
    bin_a = stock.location(warehouse["id"], code="A1", name="Fach A1", parent_id=hall["id"])
    bin_b = stock.location(warehouse["id"], code="B1", name="Fach B1", parent_id=hall["id"])
    wheat = stock.item(item_no="WEIZEN", name="Weizen", batch_managed=True, base_unit="kg")
    feed = stock.item(item_no="MF-1", name="Milchleistungsfutter", base_unit="kg")
    soon = (date.today() + timedelta(days=5)).isoformat()
    later = (date.today() + timedelta(days=60)).isoformat()
    stock.receive(
        wheat["id"], bin_b["id"], "300", batch={"batch_no": "W-LATE", "best_before": later}
    )
    stock.receive(
        wheat["id"], bin_a["id"], "200", batch={"batch_no": "W-SOON", "best_before": soon}
    )
    return {
        "warehouse": warehouse,
        "hall": hall,
        "a": bin_a,
        "b": bin_b,
        "wheat": wheat,
        "feed": feed,
    }


def _key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert found, "the form has no idempotency key"
    return found.group(1)


def _movements(session) -> int:
    try:
        return session.scalar(select(func.count()).select_from(StockMovement))
    finally:
        session.rollback()


def test_a_receipt_into_a_new_batch_with_german_numbers(web_client, goods, stock, session):
    web_client.login_as("clerk")
    form = web_client.get("/lagerbewegungen/neu/eingang")
    assert form.status_code == 200 and "Eingang buchen" in form.text
    response = web_client.post(
        "/lagerbewegungen/neu/eingang",
        {
            "idempotency_key": _key_of(form.text),
            "item_no": "MF-1",
            "location_id": str(goods["a"]["id"]),
            "quantity": "1.250,5",
            "unit_cost": "0,42",
            "reference": "LS-4711",
        },
    )
    assert response.status_code == 303, response.text
    detail = web_client.get(response.headers["location"])
    assert "1.250,5 kg" in detail.text and "LS-4711" in detail.text
    assert stock.level(goods["feed"]["id"], goods["a"]["id"]) == "1250.5000"


def test_the_same_form_posted_twice_posts_once(web_client, goods, session):
    web_client.login_as("clerk")
    key = _key_of(web_client.get("/lagerbewegungen/neu/eingang").text)
    data = {
        "idempotency_key": key,
        "item_no": "WEIZEN",
        "location_id": str(goods["a"]["id"]),
        "quantity": "10",
        "batch_no": "W-NEU",
    }
    before = _movements(session)
    first = web_client.post("/lagerbewegungen/neu/eingang", data)
    second = web_client.post("/lagerbewegungen/neu/eingang", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _movements(session) == before + 1


def test_a_wrong_quantity_shows_the_german_message_at_its_field(web_client, goods):
    web_client.login_as("clerk")
    response = web_client.post(
        "/lagerbewegungen/neu/ausgang",
        {"item_no": "MF-1", "location_id": str(goods["a"]["id"]), "quantity": "zwölf"},
    )
    assert response.status_code == 422
    assert re.search(r'id="e-quantity"[^>]*>Bitte eine Zahl eingeben', response.text)
    assert 'value="zwölf"' in response.text


def test_too_much_issued_shows_at_the_quantity_and_posts_nothing(web_client, goods, session):
    web_client.login_as("clerk")
    before = _movements(session)
    response = web_client.post(
        "/lagerbewegungen/neu/ausgang",
        {
            "item_no": "WEIZEN",
            "location_id": str(goods["a"]["id"]),
            "batch_no": "W-SOON",
            "quantity": "250",
        },
    )
    assert response.status_code == 422
    assert re.search(r'id="e-quantity"[^>]*>Nicht genug Bestand', response.text)
    assert 'value="250"' in response.text
    assert _movements(session) == before


def test_an_unknown_item_number_is_named_at_its_field(web_client, goods):
    web_client.login_as("clerk")
    response = web_client.post(
        "/lagerbewegungen/neu/eingang",
        {"item_no": "GIBTS-NICHT", "location_id": str(goods["a"]["id"]), "quantity": "1"},
    )
    assert response.status_code == 422
    assert re.search(r'id="e-item_no"[^>]*>Diese Artikelnummer gibt es nicht', response.text)


def test_the_fefo_proposal_takes_the_batch_that_expires_first(web_client, goods):
    web_client.login_as("clerk")
    page = web_client.get("/lagerbewegungen/vorschlag?item_no=WEIZEN&quantity=250")
    assert page.status_code == 200
    assert page.text.index("W-SOON") < page.text.index("W-LATE")
    assert "200 kg" in page.text and "50 kg" in page.text
    key = _key_of(page.text)
    posted = web_client.post(
        "/lagerbewegungen/ausgang/vorschlag",
        {
            "idempotency_key": key,
            "item_no": "WEIZEN",
            "line_location_id": [str(goods["a"]["id"]), str(goods["b"]["id"])],
            "line_batch_id": re.findall(r'name="line_batch_id" value="(\d+)"', page.text),
            "line_quantity": ["200", "50"],
        },
    )
    assert posted.status_code == 303, posted.text
    detail = web_client.get(posted.headers["location"]).text
    assert "Ausgang" in detail and "-200 kg" in detail and "-50 kg" in detail


def test_the_ledger_shows_the_running_balance_per_item_location_and_batch(web_client, goods, stock):
    stock.issue(goods["wheat"]["id"], goods["b"]["id"], "100", batch_id=_batch(stock, "W-LATE"))
    stock.receive(goods["wheat"]["id"], goods["b"]["id"], "5", batch_id=_batch(stock, "W-LATE"))
    web_client.login_as("viewer")
    page = web_client.get("/lagerbewegungen?artikel=WEIZEN&charge=W-LATE")
    balances = re.findall(r'class="num balance">([^<]+)<', page.text)
    assert balances == ["205 kg", "200 kg", "300 kg"]  # newest first


def _batch(stock, number: str) -> int:
    found = stock.client.get(
        "/api/v1/batches", params={"batch_no": number}, headers=stock.headers
    ).json()
    return found["items"][0]["id"]


def test_a_manager_reverses_a_movement_after_confirming(web_client, goods, stock, session):
    movement = stock.receive(goods["feed"]["id"], goods["a"]["id"], "40")
    web_client.login_as("manager")
    confirm = web_client.get(f"/lagerbewegungen/{movement['id']}/stornieren")
    assert confirm.status_code == 200 and "stornieren?" in confirm.text
    short = web_client.post(f"/lagerbewegungen/{movement['id']}/stornieren", {"reason": "x"})
    assert short.status_code == 422 and re.search(r'id="e-reason"[^>]*>Mindestens 3', short.text)
    done = web_client.post(
        f"/lagerbewegungen/{movement['id']}/stornieren", {"reason": "falsch erfasst"}
    )
    assert done.status_code == 303
    again = web_client.post(
        f"/lagerbewegungen/{movement['id']}/stornieren", {"reason": "falsch erfasst"}
    )
    assert again.status_code == 303  # a second click changes nothing
    assert stock.level(goods["feed"]["id"], goods["a"]["id"]) == "0.0000"
    original = web_client.get(f"/lagerbewegungen/{movement['id']}").text
    assert "storniert" in original and "Stornieren …" not in original


def test_a_clerk_may_not_reverse_as_in_the_api(web_client, goods, stock):
    movement = stock.receive(goods["feed"]["id"], goods["a"]["id"], "40")
    web_client.login_as("clerk")
    assert "Stornieren" not in web_client.get(f"/lagerbewegungen/{movement['id']}").text
    refused = web_client.post(f"/lagerbewegungen/{movement['id']}/stornieren", {"reason": "abc"})
    assert refused.status_code == 403


def test_a_viewer_sees_no_posting_buttons_and_may_not_post(web_client, goods, session):
    web_client.login_as("viewer")
    assert "/lagerbewegungen/neu/" not in web_client.get("/lagerbewegungen").text
    before = _movements(session)
    refused = web_client.post(
        "/lagerbewegungen/neu/eingang",
        {"item_no": "MF-1", "location_id": str(goods["a"]["id"]), "quantity": "1"},
    )
    assert refused.status_code == 403 and _movements(session) == before


def test_a_stocktake_with_a_difference(web_client, goods, stock):
    web_client.login_as("manager")
    opening = web_client.get(f"/inventur/neu?lager={goods['warehouse']['id']}")
    assert "A1" in opening.text and "B1" in opening.text
    opened = web_client.post(
        "/inventur/neu",
        {"warehouse_id": str(goods["warehouse"]["id"]), "location_ids": [str(goods["hall"]["id"])]},
    )
    assert opened.status_code == 303
    url = opened.headers["location"]
    sheet = web_client.get(url).text
    assert sheet.index("A1") < sheet.index("B1")  # location order
    assert "gesperrt" in sheet
    # The locations under count take no other posting, and the forms say so.
    assert "(Inventur läuft)" in web_client.get("/lagerbewegungen/neu/eingang").text
    names = re.findall(r'name="(count-\d+)"', sheet)
    assert len(names) == 2
    bad = web_client.post(url + "/zaehlung", {names[0]: "-3"})
    assert bad.status_code == 422 and 'value="-3"' in bad.text
    early = web_client.post(url + "/buchen")
    assert early.status_code == 422 and "nicht alle Positionen" in early.text
    saved = web_client.post(url + "/zaehlung", {names[0]: "195,5", names[1]: "300"})
    assert saved.status_code == 303
    counted = web_client.get(url).text
    assert re.search(r'difference diff-minus">-4,5 kg<', counted)
    assert web_client.post(url + "/buchen").status_code == 303
    assert stock.level(goods["wheat"]["id"], goods["a"]["id"], _batch(stock, "W-SOON")) == (
        "195.5000"
    )
    assert "(Inventur läuft)" not in web_client.get("/lagerbewegungen/neu/eingang").text


def test_a_location_cannot_be_in_two_open_stocktakes(web_client, goods):
    web_client.login_as("clerk")
    data = {"warehouse_id": str(goods["warehouse"]["id"]), "location_ids": [str(goods["a"]["id"])]}
    assert web_client.post("/inventur/neu", data).status_code == 303
    again = web_client.post("/inventur/neu", data)
    assert again.status_code == 422 and "schon in einer offenen Inventur" in again.text


@pytest.mark.parametrize("url", ["/lagerbewegungen", "/inventur"])
def test_stock_list_pages_run_as_many_statements_for_many_rows_as_for_few(
    web_client, stock, goods, db, count_statements, url
):
    from landkontor.inventory import stocktake
    from landkontor.inventory.schemas import StocktakeCreate

    web_client.login_as("viewer")
    web_client.get(url)

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get(url).status_code == 200
        return counter.count

    few = statements()
    for n in range(12):
        stock.receive(goods["feed"]["id"], goods["a"]["id"], "1")
        with db.session() as s:
            opened = stocktake.open_stocktake(
                s, StocktakeCreate(location_ids=[goods["b"]["id"]], note=f"n{n}"), actor="t"
            )
            stocktake.cancel_stocktake(s, opened.id)
    assert statements() == few


def test_the_ledger_page_reads_no_more_than_one_page(web_client, goods, stock, session):
    for _ in range(3):
        stock.receive(goods["feed"]["id"], goods["a"]["id"], "1")
    web_client.login_as("viewer")
    try:
        total = session.scalar(select(func.count()).select_from(LedgerEntry))
    finally:
        session.rollback()
    page = web_client.get("/lagerbewegungen")
    assert f"von {total}" in page.text


def test_stock_nobody_expected_is_counted_as_a_further_line(web_client, goods, stock):
    web_client.login_as("manager")
    opened = web_client.post(
        "/inventur/neu",
        {"warehouse_id": str(goods["warehouse"]["id"]), "location_ids": [str(goods["a"]["id"])]},
    )
    url = opened.headers["location"]
    unknown = web_client.post(
        url + "/position",
        {"item_no": "NIX", "location_id": str(goods["a"]["id"]), "counted_quantity": "3"},
    )
    assert unknown.status_code == 422
    assert re.search(r'id="e-item_no"[^>]*>Diese Artikelnummer gibt es nicht', unknown.text)
    assert 'value="NIX"' in unknown.text
    added = web_client.post(
        url + "/position",
        {"item_no": "MF-1", "location_id": str(goods["a"]["id"]), "counted_quantity": "12,5"},
    )
    assert added.status_code == 303
    sheet = web_client.get(url).text
    assert "MF-1" in sheet and re.search(r'difference diff-plus">\+12,5 kg<', sheet)
