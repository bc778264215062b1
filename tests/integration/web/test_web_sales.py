"""Verkauf over the real database (no browser): order entry with the live price and the
credit warning, confirmation, the delivery with its FEFO proposal (changed, partial, a
recalled batch refused), invoice, payment and credit note — German errors at their fields,
nothing changed on bad input, roles, CSRF and statements per list page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from landkontor.inventory.models import StockMovement
from landkontor.production import trace
from landkontor.sales.models import Delivery, Invoice, SalesOrder


@pytest.fixture
def shop(stock, trade):
    wh = stock.warehouse(code="HAUPT", name="Hauptlager")
    a = stock.location(wh["id"], code="A", name="Fach A")
    b = stock.location(wh["id"], code="B", name="Fach B")
    seed = stock.item(item_no="SAAT", name="Saatgut Weizen", vat_category="reduced", base_price="2")
    feed = stock.item(item_no="FUTTER", name="Milchvieh-Futter", batch_managed=True, base_price="1")
    stock.receive(seed["id"], a["id"], 500, unit_cost="1.20")
    batches = {}
    for batch_no, location, days in (("F-1", a, 10), ("F-2", b, 40)):
        best_before = (date.today() + timedelta(days=days)).isoformat()
        stock.receive(
            feed["id"],
            location["id"],
            100,
            unit_cost="0.60",
            batch={"batch_no": batch_no, "best_before": best_before},
        )
    for level in stock.levels(item_id=feed["id"]):
        batches[level["batch_no"]] = level["batch_id"]
    group = trade.group(discount_percent="5")
    customer = trade.customer(customer_no="K-100", name="Hof Meyer", group_id=group["id"])
    small = trade.customer(customer_no="K-200", name="Hof Klein", credit_limit="100")
    return {
        "wh": wh,
        "a": a,
        "b": b,
        "seed": seed,
        "feed": feed,
        "batches": batches,
        "customer": customer,
        "small": small,
    }


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert found, "the form has no idempotency key"
    return found.group(1)


def _new_order(web_client, shop, customer_no="K-100") -> str:
    response = web_client.post(
        "/verkauf/auftraege/neu",
        {"customer_no": customer_no, "warehouse_id": str(shop["wh"]["id"])},
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _delivery_rows(html: str) -> list[dict[str, str]]:
    """The rows of the delivery form: hidden ids, the batch and the quantity shown."""
    rows = re.findall(
        r'data-batch="([^"]*)">.*?name="row_line" value="(\d+)">.*?name="row_location" '
        r'value="(\d+)">.*?name="row_batch" value="(\d*)">.*?name="row_quantity" value="([^"]*)"',
        html,
        re.S,
    )
    return [
        {"batch_no": r[0], "line": r[1], "location": r[2], "batch": r[3], "quantity": r[4]}
        for r in rows
    ]


def _post_rows(web_client, url: str, key: str, rows: list[dict[str, str]]):
    return web_client.post(
        url,
        {
            "idempotency_key": key,
            "row_line": [r["line"] for r in rows],
            "row_location": [r["location"] for r in rows],
            "row_batch": [r["batch"] for r in rows],
            "row_quantity": [r["quantity"] for r in rows],
        },
    )


def test_an_order_is_entered_priced_live_and_confirmed(web_client, shop, db):
    web_client.login_as("clerk")
    page = web_client.get("/verkauf/auftraege/neu")
    assert page.status_code == 200 and "Neuer Auftrag" in page.text
    suggestions = web_client.get("/verkauf/kunden?customer_no=meyer").text
    assert 'value="K-100"' in suggestions and "Hof Meyer" in suggestions
    panel = web_client.get("/verkauf/kunde?customer_no=K-100").text
    assert "Hof Meyer" in panel and "Kreditlimit" in panel
    url = _new_order(web_client, shop)
    order = web_client.get(url)
    assert "Entwurf" in order.text and "Position hinzufügen" in order.text
    assert 'value="SAAT"' in web_client.get("/verkauf/artikel?item_no=weizen").text

    quote = web_client.get(f"{url}/preis?item_no=SAAT&quantity=1.000&unit=").text
    # base price 2 €, 5 % from the group: 1,90 € x 1.000 kg
    assert "1,9 € je kg" in quote and "1.900,00 €" in quote
    steps = re.search(r'id="quote-steps">(.*?)</ol>', quote, re.S).group(1)
    assert re.search(r"Grundpreis des Artikels:\s*<span[^>]*>angewendet</span> 2 € je kg", steps)
    assert re.search(r"angewendet</span> 5,00 % \(von der Kundengruppe G-T\d+\)", steps)

    added = web_client.post(f"{url}/positionen", {"item_no": "SAAT", "quantity": "400"})
    assert added.status_code == 303
    shown = web_client.get(url).text
    assert "760,00 €" in shown and "813,20 €" in shown  # net, gross with 7 %
    confirmed = web_client.post(f"{url}/bestaetigen")
    assert confirmed.status_code == 303
    assert "bestätigt" in web_client.get(url).text
    again = web_client.post(f"{url}/bestaetigen")  # a second click: done already
    assert again.status_code == 303


def test_bad_input_shows_at_the_field_keeps_it_and_changes_nothing(web_client, shop, db):
    web_client.login_as("clerk")
    before = _count(db, SalesOrder)
    unknown = web_client.post(
        "/verkauf/auftraege/neu", {"customer_no": "K-999", "warehouse_id": str(shop["wh"]["id"])}
    )
    assert unknown.status_code == 422
    assert re.search(r'id="e-customer_no"[^>]*>Diese Kundennummer gibt es nicht', unknown.text)
    assert 'value="K-999"' in unknown.text and _count(db, SalesOrder) == before

    url = _new_order(web_client, shop)
    wrong = web_client.post(f"{url}/positionen", {"item_no": "SAAT", "quantity": "zwölf"})
    assert wrong.status_code == 422
    assert re.search(r'id="e-quantity"[^>]*>Bitte eine Zahl eingeben', wrong.text)
    assert 'value="zwölf"' in wrong.text and 'value="SAAT"' in wrong.text
    unit = web_client.post(f"{url}/positionen", {"item_no": "SAAT", "quantity": "5", "unit": "l"})
    assert unit.status_code == 422 and re.search(
        r'id="e-unit"[^>]*>Der Wert ist ungültig', unit.text
    )
    item = web_client.post(f"{url}/positionen", {"item_no": "NIX", "quantity": "5"})
    assert re.search(r'id="e-item_no"[^>]*>Diese Artikelnummer gibt es nicht', item.text)
    assert "Noch keine Positionen" in web_client.get(url).text


def test_the_credit_limit_warns_while_typing_and_refuses_the_confirmation(web_client, shop, db):
    web_client.login_as("clerk")
    url = _new_order(web_client, shop, "K-200")
    quote = web_client.get(f"{url}/preis?item_no=SAAT&quantity=100").text
    assert "Achtung Kreditlimit" in quote  # 200 € net + 7 % > 100 €
    assert (
        web_client.post(f"{url}/positionen", {"item_no": "SAAT", "quantity": "100"}).status_code
        == 303
    )
    page = web_client.get(url).text
    assert "Kreditlimit überschritten" in page
    refused = web_client.post(f"{url}/bestaetigen")
    assert refused.status_code == 409
    assert "Das Kreditlimit des Kunden ist überschritten." in refused.text
    assert "Entwurf" in web_client.get(url).text


def _confirmed_feed_order(web_client, shop, quantity: str) -> str:
    url = _new_order(web_client, shop)
    assert (
        web_client.post(
            f"{url}/positionen", {"item_no": "FUTTER", "quantity": quantity}
        ).status_code
        == 303
    )
    assert web_client.post(f"{url}/bestaetigen").status_code == 303
    return url


def test_a_fefo_delivery_in_two_parts_posted_once_per_form(web_client, shop, db):
    web_client.login_as("clerk")
    url = _confirmed_feed_order(web_client, shop, "150")
    form = web_client.get(f"{url}/lieferung")
    assert form.status_code == 200
    rows = _delivery_rows(form.text)
    assert [(r["batch_no"], r["quantity"]) for r in rows] == [("F-1", "100"), ("F-2", "50")]
    # The first part: only 80 of the batch that expires first.
    rows[0]["quantity"], rows[1]["quantity"] = "80", ""
    key = _key_of(form.text)
    before = _count(db, StockMovement)
    first = _post_rows(web_client, f"{url}/lieferung", key, rows)
    second = _post_rows(web_client, f"{url}/lieferung", key, rows)  # the same form again
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _count(db, StockMovement) == before + 1
    delivery = web_client.get(first.headers["location"]).text
    assert "F-1" in delivery and "80 kg" in delivery and "Lieferschein (PDF)" in delivery
    assert "teilgeliefert" in web_client.get(url).text
    # The rest: the proposal now takes 20 of F-1 and 50 of F-2.
    rest = web_client.get(f"{url}/lieferung")
    rows = _delivery_rows(rest.text)
    assert [(r["batch_no"], r["quantity"]) for r in rows] == [("F-1", "20"), ("F-2", "50")]
    done = _post_rows(web_client, f"{url}/lieferung", _key_of(rest.text), rows)
    assert done.status_code == 303
    assert "geliefert" in web_client.get(url).text
    pdf = web_client.get(done.headers["location"] + "/lieferschein.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_more_than_ordered_is_refused_at_its_row(web_client, shop, db):
    web_client.login_as("clerk")
    url = _confirmed_feed_order(web_client, shop, "50")
    form = web_client.get(f"{url}/lieferung")
    rows = _delivery_rows(form.text)
    rows[0]["quantity"] = "60"
    before = _count(db, Delivery)
    refused = _post_rows(web_client, f"{url}/lieferung", _key_of(form.text), rows)
    assert refused.status_code == 422
    assert re.search(r'id="e-q-0"[^>]*>Die Menge ist größer als im Auftrag', refused.text)
    assert 'value="60"' in refused.text and _count(db, Delivery) == before
    typo = _post_rows(
        web_client, f"{url}/lieferung", _key_of(form.text), [{**rows[0], "quantity": "x"}, rows[1]]
    )
    assert typo.status_code == 422 and re.search(r'id="e-q-0"[^>]*>Bitte eine Zahl', typo.text)


def test_a_recalled_batch_cannot_be_delivered(web_client, shop, db):
    web_client.login_as("clerk")
    url = _confirmed_feed_order(web_client, shop, "50")
    form = web_client.get(f"{url}/lieferung").text  # proposes F-1 ...
    with db.session() as s:  # ... which is recalled meanwhile
        trace.recall(s, shop["batches"]["F-1"], "Salmonellen-Verdacht", actor="qs")
    rows = _delivery_rows(form)
    movements, deliveries = _count(db, StockMovement), _count(db, Delivery)
    refused = _post_rows(web_client, f"{url}/lieferung", _key_of(form), rows)
    assert refused.status_code == 422
    assert re.search(
        r'id="e-q-0"[^>]*>Charge F-1 ist zurückgerufen und darf nicht geliefert werden',
        refused.text,
    )
    assert _count(db, StockMovement) == movements and _count(db, Delivery) == deliveries
    # A fresh form proposes the next batch and shows the recalled one as such.
    fresh = web_client.get(f"{url}/lieferung").text
    assert [(r["batch_no"], r["quantity"]) for r in _delivery_rows(fresh)] == [
        ("F-1", ""),
        ("F-2", "50"),
    ]
    assert "zurückgerufen" in fresh


def _delivered_and_invoiced(web_client, shop, quantity: str = "100") -> tuple[str, str]:
    url = _confirmed_feed_order(web_client, shop, quantity)
    form = web_client.get(f"{url}/lieferung").text
    assert (
        _post_rows(web_client, f"{url}/lieferung", _key_of(form), _delivery_rows(form)).status_code
        == 303
    )
    ids = re.findall(r'name="delivery_id" value="(\d+)"', web_client.get(url).text)
    invoiced = web_client.post(f"{url}/rechnung", {"delivery_id": ids})
    assert invoiced.status_code == 303, invoiced.text
    return url, invoiced.headers["location"]


def test_invoice_with_its_number_files_and_payment(web_client, shop, db):
    web_client.login_as("clerk")
    url, invoice_url = _delivered_and_invoiced(web_client, shop)
    year = date.today().year
    page = web_client.get(invoice_url).text
    assert f"RE-{year}-000001" in page and "offen" in page
    assert web_client.post(f"{url}/rechnung").status_code == 422  # none ticked
    # A second click (the same deliveries again): nothing new, the order is shown.
    delivery = web_client.get("/verkauf/lieferungen?status=gebucht").text
    ids = re.findall(r'href="/verkauf/lieferungen/(\d+)"', delivery)
    assert web_client.post(f"{url}/rechnung", {"delivery_id": ids}).status_code == 303
    assert _count(db, Invoice) == 1
    pdf = web_client.get(invoice_url + "/rechnung.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    xml = web_client.get(invoice_url + "/xrechnung.xml")
    assert xml.status_code == 200 and b"CrossIndustryInvoice" in xml.content
    assert web_client.get(invoice_url + "/nix.txt").status_code == 404
    listed = web_client.get("/verkauf/rechnungen?status=offen").text
    assert f"RE-{year}-000001" in listed
    assert f"RE-{year}-000001" in web_client.get("/verkauf/zahlungen").text
    bad = web_client.post(invoice_url + "/zahlung", {"paid_on": "gestern"})
    assert bad.status_code == 422 and re.search(r'id="e-paid_on"[^>]*>Bitte ein Datum', bad.text)
    paid = web_client.post(invoice_url + "/zahlung", {"paid_on": date.today().isoformat()})
    assert paid.status_code == 303
    assert web_client.post(invoice_url + "/zahlung", {}).status_code == 303  # paid already
    assert "bezahlt" in web_client.get(invoice_url).text
    assert "erledigt" in web_client.get(url).text  # every invoice paid: the order is closed
    assert f"RE-{year}-000001" not in web_client.get("/verkauf/zahlungen").text


def test_a_manager_writes_a_credit_note_a_clerk_may_not(web_client, shop, db, users):
    web_client.login_as("clerk")
    _, invoice_url = _delivered_and_invoiced(web_client, shop)
    assert "Gutschrift schreiben" not in web_client.get(invoice_url).text
    assert web_client.get(invoice_url + "/gutschrift/neu").status_code == 403
    assert web_client.post(invoice_url + "/gutschrift/neu", {"reason": "Bruch"}).status_code == 403
    web_client.login_as("manager")
    form = web_client.get(invoice_url + "/gutschrift/neu").text
    line = re.search(r'name="q-(\d+)"', form).group(1)
    too_much = web_client.post(
        invoice_url + "/gutschrift/neu", {"reason": "Bruch", f"q-{line}": "500"}
    )
    assert too_much.status_code == 422
    assert re.search(
        rf'id="e-q-{line}"[^>]*>Die Gutschrift ist höher als die Rechnung', too_much.text
    )
    no_reason = web_client.post(invoice_url + "/gutschrift/neu", {f"q-{line}": "10"})
    assert re.search(r'id="e-reason"[^>]*>Mindestens 1', no_reason.text)
    assert _count(db, Invoice) == 1
    written = web_client.post(
        invoice_url + "/gutschrift/neu", {"reason": "10 kg Bruch", f"q-{line}": "10"}
    )
    assert written.status_code == 303
    note = web_client.get(written.headers["location"]).text
    assert f"GS-{date.today().year}-000001" in note and "10 kg Bruch" in note
    assert "9,50 €" in note  # 10 kg x 1,00 € less the group's 5 %


def test_a_viewer_sees_no_buttons_and_may_not_post(web_client, shop, db):
    web_client.login_as("clerk")
    url = _new_order(web_client, shop)
    web_client.login_as("viewer")
    page = web_client.get(url).text
    assert "Position hinzufügen" not in page and "Auftrag bestätigen" not in page
    assert "Neuer Auftrag" not in web_client.get("/verkauf").text
    before = _count(db, SalesOrder)
    refused = web_client.post(
        "/verkauf/auftraege/neu", {"customer_no": "K-100", "warehouse_id": str(shop["wh"]["id"])}
    )
    assert refused.status_code == 403 and _count(db, SalesOrder) == before


def test_a_form_without_the_csrf_token_is_refused(web_client, shop, db):
    web_client.login_as("clerk")
    before = _count(db, SalesOrder)
    refused = web_client.post(
        "/verkauf/auftraege/neu",
        {"customer_no": "K-100", "warehouse_id": str(shop["wh"]["id"])},
        csrf=False,
    )
    assert refused.status_code == 403 and _count(db, SalesOrder) == before


def test_the_delivery_list_shows_what_is_not_invoiced_yet(web_client, shop):
    web_client.login_as("clerk")
    url, _invoice = _delivered_and_invoiced(web_client, shop, "10")
    open_url = _confirmed_feed_order(web_client, shop, "5")
    form = web_client.get(f"{open_url}/lieferung").text
    _post_rows(web_client, f"{open_url}/lieferung", _key_of(form), _delivery_rows(form))
    listed = web_client.get("/verkauf/lieferungen").text
    assert listed.count("Hof Meyer") == 2 and "berechnet" in listed
    uninvoiced = web_client.get("/verkauf/lieferungen?status=offen").text
    assert uninvoiced.count("Hof Meyer") == 1
    assert (
        open_url.rsplit("/", 1)[-1] in uninvoiced
        and f'auftraege/{url.rsplit("/", 1)[-1]}"' not in uninvoiced
    )


def test_the_order_list_filters_by_status_and_searches(web_client, shop):
    web_client.login_as("clerk")
    draft = _new_order(web_client, shop, "K-200")
    _confirmed_feed_order(web_client, shop, "10")
    listed = web_client.get("/verkauf?status=draft").text
    assert "Hof Klein" in listed and "Hof Meyer" not in listed
    assert "Hof Meyer" in web_client.get("/verkauf?status=confirmed").text
    found = web_client.get("/verkauf?q=klein", headers={"HX-Request": "true"}).text
    assert "Hof Klein" in found and "Hof Meyer" not in found and "<html" not in found
    assert draft.rsplit("/", 1)[-1] in web_client.get("/verkauf?status=offen").text


@pytest.mark.parametrize(
    "url", ["/verkauf", "/verkauf/lieferungen", "/verkauf/rechnungen", "/verkauf/zahlungen"]
)
def test_sales_lists_run_as_many_statements_for_many_rows_as_for_few(
    web_client, shop, trade, count_statements, url
):
    web_client.login_as("clerk")
    _delivered_and_invoiced(web_client, shop, "10")
    web_client.get(url)

    def statements() -> int:
        with count_statements() as counter:
            assert web_client.get(url).status_code == 200
        return counter.count

    few = statements()
    for _ in range(3):
        _delivered_and_invoiced(web_client, shop, "10")
        trade.customer(name="Hof Neu")
    assert statements() == few


def test_a_blocked_customer_is_named_at_the_customer_field(web_client, shop, trade, db):
    trade.customer(customer_no="K-900", name="Hof Gesperrt", blocked=True)
    web_client.login_as("clerk")
    assert "gesperrt" in web_client.get("/verkauf/kunde?customer_no=K-900").text
    before = _count(db, SalesOrder)
    refused = web_client.post(
        "/verkauf/auftraege/neu", {"customer_no": "K-900", "warehouse_id": str(shop["wh"]["id"])}
    )
    assert refused.status_code == 422
    assert re.search(r'id="e-customer_no"[^>]*>Der Kunde ist gesperrt', refused.text)
    assert _count(db, SalesOrder) == before


@pytest.mark.parametrize(
    "url",
    [
        "/verkauf/auftraege/99999999999999999999",
        "/verkauf/lieferungen/0",
        "/verkauf/rechnungen/99999999999999999999/rechnung.pdf",
    ],
)
def test_an_id_out_of_range_is_a_german_error_page_not_a_crash(web_client, url):
    web_client.login_as("viewer")
    response = web_client.get(url)
    assert response.status_code == 400 and 'role="alert"' in response.text
    assert web_client.get("/verkauf/auftraege/123456").status_code == 404
