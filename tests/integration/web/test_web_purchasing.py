"""Einkauf over the real database (no browser): a purchase order through its forms, the
Wareneingang into two batches with the tolerance shown, errors at the row they concern,
a resent receipt form, reorder proposals ordered in one step, roles and statements."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from landkontor.purchasing.models import GoodsReceipt, PurchaseOrder


def _count(session, model) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.rollback()


def _key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert found, "the form has no idempotency key"
    return found.group(1)


@pytest.fixture
def shop(stock, trade):
    warehouse = stock.warehouse(code="WEST", name="Standort West")
    hall = stock.location(warehouse["id"], code="H", name="Halle", kind="hall")
    bin_ = stock.location(warehouse["id"], code="F1", name="Fach 1", parent_id=hall["id"])
    seed = stock.item(item_no="SAAT-W", name="Winterweizen Saatgut", batch_managed=True)
    salt = stock.item(item_no="SALZ", name="Viehsalz", base_unit="kg")
    supplier = trade.supplier(supplier_no="L-100", name="Saatzucht Nord")
    return {"bin": bin_, "seed": seed, "salt": salt, "supplier": supplier}


def _ordered(web_client, shop) -> str:
    created = web_client.post("/einkauf/neu", {"supplier_no": "L-100", "supplier_reference": "A7"})
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    for item_no, quantity, price in (("SAAT-W", "1.000", "0,85"), ("SALZ", "200", "0,30")):
        added = web_client.post(
            url + "/positionen", {"item_no": item_no, "quantity": quantity, "unit_price": price}
        )
        assert added.status_code == 303, added.text
    assert web_client.post(url + "/bestellen").status_code == 303
    return url


def test_order_and_receive_into_two_batches(web_client, shop, stock):
    web_client.login_as("clerk")
    url = _ordered(web_client, shop)
    order = web_client.get(url).text
    assert 'id="order-status">bestellt<' in order and "910,00 €" in order
    form = web_client.get(url + "/wareneingang").text
    assert "Toleranz für Mehrlieferung: 5 %" in form
    assert 'höchstens noch <strong class="most">1.050 kg</strong>' in form
    later = (date.today() + timedelta(days=300)).isoformat()
    received = web_client.post(
        url + "/wareneingang",
        {
            "idempotency_key": _key_of(form),
            "location_id": str(shop["bin"]["id"]),
            "delivery_note_no": "LS-77",
            "row-0-line": re.findall(r'name="row-0-line" value="(\d+)"', form)[0],
            "row-0-quantity": "600",
            "row-0-batch_no": "SW-1",
            "row-0-supplier_batch_no": "NORD-A",
            "row-0-best_before": later,
            "row-1-line": re.findall(r'name="row-1-line" value="(\d+)"', form)[0],
            "row-1-quantity": "400",
            "row-1-batch_no": "SW-2",
            "row-1-supplier_batch_no": "NORD-B",
            "row-2-line": re.findall(r'name="row-2-line" value="(\d+)"', form)[0],
            "row-2-quantity": "",
        },
    )
    assert received.status_code == 303, received.text
    page = web_client.get(url).text
    assert "teilweise geliefert" in page and "LS-77" in page
    assert "SW-1" in page and "NORD-A" in page and "SW-2" in page
    levels = stock.levels(item_id=shop["seed"]["id"], location_id=shop["bin"]["id"])
    assert sorted(r["quantity"] for r in levels) == ["400.0000", "600.0000"]


def test_more_than_the_tolerance_shows_at_the_row_and_receives_nothing(web_client, shop, session):
    web_client.login_as("clerk")
    url = _ordered(web_client, shop)
    form = web_client.get(url + "/wareneingang").text
    before = _count(session, GoodsReceipt)
    response = web_client.post(
        url + "/wareneingang",
        {
            "idempotency_key": _key_of(form),
            "location_id": str(shop["bin"]["id"]),
            "row-2-line": re.findall(r'name="row-2-line" value="(\d+)"', form)[0],
            "row-2-quantity": "211",
            "row-0-line": re.findall(r'name="row-0-line" value="(\d+)"', form)[0],
            "row-0-quantity": "zehn",
        },
    )
    assert response.status_code == 422
    assert re.search(r'id="e-row-0-quantity"[^>]*>Bitte eine Zahl', response.text)
    assert 'value="211"' in response.text and 'value="zehn"' in response.text
    fixed = web_client.post(
        url + "/wareneingang",
        {
            "idempotency_key": _key_of(form),
            "location_id": str(shop["bin"]["id"]),
            "row-2-line": re.findall(r'name="row-2-line" value="(\d+)"', form)[0],
            "row-2-quantity": "211",
        },
    )
    assert fixed.status_code == 422
    assert re.search(r'id="e-row-2-quantity"[^>]*>Mehr geliefert als bestellt', fixed.text)
    no_batch = web_client.post(
        url + "/wareneingang",
        {
            "idempotency_key": _key_of(form),
            "location_id": str(shop["bin"]["id"]),
            "row-0-line": re.findall(r'name="row-0-line" value="(\d+)"', form)[0],
            "row-0-quantity": "10",
        },
    )
    assert no_batch.status_code == 422
    assert re.search(r'id="e-row-0-batch_no"[^>]*>\S', no_batch.text)
    assert _count(session, GoodsReceipt) == before


def test_a_further_batch_row_is_added_and_kept_when_the_form_comes_back(web_client, shop):
    web_client.login_as("clerk")
    url = _ordered(web_client, shop)
    form = web_client.get(url + "/wareneingang").text
    line = re.findall(r'name="row-0-line" value="(\d+)"', form)[0]
    row = web_client.get(url + f"/wareneingang/zeile?position={line}&zeile=3")
    assert row.status_code == 200 and 'name="row-3-batch_no"' in row.text
    assert web_client.get(url + "/wareneingang/zeile?position=999999&zeile=3").status_code == 404
    back = web_client.post(
        url + "/wareneingang",
        {
            "idempotency_key": _key_of(form),
            "location_id": str(shop["bin"]["id"]),
            "row-0-line": line,
            "row-0-quantity": "1",
            "row-3-line": line,
            "row-3-quantity": "abc",
            "row-3-batch_no": "SW-9",
        },
    )
    assert back.status_code == 422
    assert 'value="SW-9"' in back.text and re.search(r'id="e-row-3-quantity"[^>]*>\S', back.text)


def test_a_resent_receipt_form_receives_once(web_client, shop, session):
    web_client.login_as("clerk")
    url = _ordered(web_client, shop)
    form = web_client.get(url + "/wareneingang").text
    data = {
        "idempotency_key": _key_of(form),
        "location_id": str(shop["bin"]["id"]),
        "row-2-line": re.findall(r'name="row-2-line" value="(\d+)"', form)[0],
        "row-2-quantity": "50",
    }
    before = _count(session, GoodsReceipt)
    first = web_client.post(url + "/wareneingang", data)
    second = web_client.post(url + "/wareneingang", data)
    assert first.status_code == second.status_code == 303
    assert _count(session, GoodsReceipt) == before + 1


def test_an_unknown_supplier_and_an_empty_order_are_refused_in_german(web_client, shop):
    web_client.login_as("clerk")
    unknown = web_client.post("/einkauf/neu", {"supplier_no": "L-NIX"})
    assert unknown.status_code == 422
    assert re.search(r'id="e-supplier_no"[^>]*>Diesen Lieferanten gibt es nicht', unknown.text)
    assert 'value="L-NIX"' in unknown.text
    created = web_client.post("/einkauf/neu", {"supplier_no": "L-100"})
    empty = web_client.post(created.headers["location"] + "/bestellen")
    assert empty.status_code == 409 and "ohne Positionen" in empty.text
    bad_line = web_client.post(
        created.headers["location"] + "/positionen",
        {"item_no": "SALZ", "quantity": "0", "unit_price": "1"},
    )
    assert bad_line.status_code == 422
    assert re.search(r'id="e-quantity"[^>]*>Muss größer als 0', bad_line.text)


def test_a_viewer_sees_no_order_buttons_and_may_not_order(web_client, shop, trade, session):
    order = trade.purchase_order(
        shop["supplier"]["id"],
        {"item_id": shop["salt"]["id"], "quantity": "5", "unit_price": "1"},
        place=False,
    )
    web_client.login_as("viewer")
    page = web_client.get(f"/einkauf/{order['id']}").text
    assert "Bestellen" not in page and "/einkauf/neu" not in web_client.get("/einkauf").text
    before = _count(session, PurchaseOrder)
    assert web_client.post("/einkauf/neu", {"supplier_no": "L-100"}).status_code == 403
    assert web_client.post(f"/einkauf/{order['id']}/bestellen").status_code == 403
    assert _count(session, PurchaseOrder) == before
    assert web_client.get(f"/einkauf/{order['id']}/wareneingang").status_code == 403


def test_reorder_proposals_become_draft_orders_in_one_step(web_client, stock, trade, session):
    supplier = trade.supplier(supplier_no="L-200")
    items = [
        stock.item(
            item_no=f"DUENGER-{n}", name="Dünger", reorder_point="100", reorder_quantity="50"
        )
        for n in range(3)
    ]
    trade.purchase_order(
        supplier["id"],
        *[{"item_id": i["id"], "quantity": "1", "unit_price": "0.40"} for i in items[:2]],
    )
    web_client.login_as("clerk")
    page = web_client.get("/einkauf/vorschlaege").text
    assert "DUENGER-0" in page and "kein Lieferant bekannt" in page  # the third: no supplier
    checked = re.findall(r'name="item_id" value="(\d+)" [^>]*checked', page)
    assert len(checked) == 2
    before = _count(session, PurchaseOrder)
    posted = web_client.post("/einkauf/vorschlaege", {"item_id": checked})
    assert posted.status_code == 303
    draft = web_client.get(posted.headers["location"]).text
    assert "Entwurf" in draft and "DUENGER-0" in draft and "DUENGER-1" in draft
    assert "100 kg" in draft and "0,4 € / kg" in draft  # 99 short: two lots of 50
    again = web_client.post("/einkauf/vorschlaege", {"item_id": checked})
    assert again.status_code == 303
    assert _count(session, PurchaseOrder) == before + 1  # already on a draft: not twice
    assert "schon im Entwurf" in web_client.get("/einkauf/vorschlaege").text


@pytest.mark.parametrize("url", ["/einkauf", "/einkauf?status=ordered", "/einkauf/vorschlaege"])
def test_purchasing_pages_run_as_many_statements_for_many_rows_as_for_few(
    web_client, shop, trade, count_statements, url
):
    def order() -> None:
        trade.purchase_order(
            shop["supplier"]["id"],
            {"item_id": shop["salt"]["id"], "quantity": "5", "unit_price": "1"},
        )

    order()
    web_client.login_as("viewer")
    web_client.get(url)

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get(url).status_code == 200
        return counter.count

    few = statements()
    for _ in range(8):
        order()
        trade.supplier()
    assert statements() == few


def test_a_blocked_location_is_named_at_the_location_field(web_client, shop, db, session):
    from landkontor.inventory.locations import set_location_blocked

    web_client.login_as("clerk")
    url = _ordered(web_client, shop)
    form = web_client.get(url + "/wareneingang").text
    with db.session() as s:
        set_location_blocked(s, shop["bin"]["id"], True)
    before = _count(session, GoodsReceipt)
    response = web_client.post(
        url + "/wareneingang",
        {
            "idempotency_key": _key_of(form),
            "location_id": str(shop["bin"]["id"]),
            "row-2-line": re.findall(r'name="row-2-line" value="(\d+)"', form)[0],
            "row-2-quantity": "5",
        },
    )
    assert response.status_code == 422
    assert re.search(r'id="e-location_id"[^>]*>Der Lagerplatz ist gesperrt', response.text)
    assert _count(session, GoodsReceipt) == before
