"""Journeys in Chromium through Einkauf, Kunden, Lieferanten and Preise, as users work.

Each journey saves screenshots of its pages (see tests/web_support.py for where)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect


@pytest.fixture
def shop(stock, trade):
    warehouse = stock.warehouse(code="OST", name="Standort Ost")
    hall = stock.location(warehouse["id"], code="HALLE", name="Halle", kind="hall")
    bin_ = stock.location(warehouse["id"], code="FACH-9", name="Fach 9", parent_id=hall["id"])
    seed = stock.item(item_no="RAPS-SAAT", name="Winterraps Saatgut", batch_managed=True)
    supplier = trade.supplier(supplier_no="L-700", name="Saatbau Heide", city="Soltau")
    return {"bin": bin_, "seed": seed, "supplier": supplier}


def test_purchase_to_stock(web_page, shop, screenshot):
    page = web_page("clerk")
    page.goto("/einkauf")
    page.get_by_role("link", name="Neue Bestellung").click()
    page.get_by_label("Lieferantennummer").fill("L-700")
    page.get_by_label("erwartet am").fill((date.today() + timedelta(days=7)).isoformat())
    screenshot(page, "new-order")
    page.get_by_role("button", name="Bestellung anlegen").click()
    expect(page.locator("#order-status")).to_have_text("Entwurf")

    page.get_by_label("Artikelnummer").fill("RAPS-SAAT")
    page.get_by_label("Menge").fill("1.000")
    page.get_by_label("Preis (€ netto je Basiseinheit)").fill("2,15")
    page.get_by_role("button", name="Hinzufügen").click()
    expect(page.locator("#order-lines tbody tr")).to_have_count(1)
    expect(page.locator("#order-lines tfoot")).to_contain_text("2.150,00 €")
    screenshot(page, "draft-with-line")
    page.get_by_role("button", name="Bestellen").click()
    expect(page.locator("#order-status")).to_have_text("bestellt")

    page.get_by_role("link", name="Wareneingang buchen").click()
    expect(page.locator("#tolerance")).to_contain_text("5 %")
    expect(page.locator(".most")).to_have_text("1.050 kg")
    page.get_by_label("Lagerplatz").select_option(str(shop["bin"]["id"]))
    page.get_by_label("Lieferschein-Nr.").fill("LS-2026-11")
    soon, later = date.today() + timedelta(days=200), date.today() + timedelta(days=400)
    page.locator("[name=row-0-quantity]").fill("600")
    page.locator("[name=row-0-batch_no]").fill("RS-A")
    page.locator("[name=row-0-supplier_batch_no]").fill("HEIDE-17")
    page.locator("[name=row-0-best_before]").fill(soon.isoformat())
    page.locator("[name=row-1-quantity]").fill("450,5")
    page.locator("[name=row-1-batch_no]").fill("RS-B")
    page.locator("[name=row-1-supplier_batch_no]").fill("HEIDE-18")
    page.locator("[name=row-1-best_before]").fill(later.isoformat())
    page.get_by_role("button", name="weitere Charge").click()
    expect(page.locator("[name=row-2-quantity]")).to_be_visible()  # a third, left empty
    screenshot(page, "receipt-form")
    page.get_by_role("button", name="Wareneingang buchen").click()
    # 1.050,5 kg is more than the 5 % tolerance allows: the row says so, the input stays.
    expect(page.locator("#e-row-1-quantity")).to_have_text("Mehr geliefert als bestellt.")
    expect(page.locator("[name=row-1-quantity]")).to_have_value("450,5")
    screenshot(page, "over-receipt")
    page.locator("[name=row-1-quantity]").fill("400")
    page.get_by_role("button", name="Wareneingang buchen").click()
    expect(page.locator("#order-status")).to_have_text("geliefert")
    receipts = page.locator("#receipts")
    expect(receipts).to_contain_text("RS-A")
    expect(receipts).to_contain_text("HEIDE-18")
    expect(receipts).to_contain_text(soon.strftime("%d.%m.%Y"))
    screenshot(page, "received")

    page.goto("/chargen?artikel=RAPS-SAAT")
    expect(page.get_by_role("link", name="RS-A")).to_be_visible()
    expect(page.get_by_role("link", name="RS-B")).to_be_visible()
    expect(page.locator("main")).to_contain_text("600 kg")
    expect(page.locator("main")).to_contain_text("400 kg")
    screenshot(page, "batches")

    page.goto("/einkauf?status=received")
    expect(page.locator("#order-list tbody tr")).to_have_count(1)
    screenshot(page, "order-list")
    page.goto("/einkauf/vorschlaege")
    expect(page.get_by_role("heading", name="Bestellvorschläge")).to_be_visible()
    screenshot(page, "proposals")


def test_a_customer_in_a_group_with_a_price_list_and_the_price_check(web_page, shop, screenshot):
    page = web_page("manager")
    # A price list with a quantity break.
    page.goto("/preise/listen")
    page.get_by_role("link", name="Neue Preisliste").click()
    page.get_by_label("Code").fill("PL-SAAT")
    page.get_by_label("Name").fill("Saatgut Herbst")
    screenshot(page, "price-list-form")
    page.get_by_role("button", name="Anlegen").click()
    for break_, price in (("", "2,60"), ("500", "2,40")):
        page.get_by_label("Artikelnummer").fill("RAPS-SAAT")
        page.get_by_label("ab Menge").fill(break_)
        page.get_by_label("Preis (€ netto je Basiseinheit)").fill(price)
        page.get_by_role("button", name="Hinzufügen").click()
    expect(page.locator("#prices tbody tr")).to_have_count(2)
    screenshot(page, "price-list")

    # A customer group that uses it, with a discount.
    page.get_by_role("link", name="Kundengruppen").click()
    page.get_by_role("link", name="Neue Kundengruppe").click()
    page.get_by_label("Code").fill("ACKER")
    page.get_by_label("Name").fill("Ackerbaubetriebe")
    page.get_by_label("Preisliste").select_option(label="PL-SAAT Saatgut Herbst")
    page.get_by_label("Rabatt %").fill("3")
    page.get_by_label("Zahlungsziel (Tage netto)").fill("30")
    screenshot(page, "group-form")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.locator("#group-list")).to_contain_text("Ackerbaubetriebe")
    screenshot(page, "groups")

    # A customer in that group; a wrong VAT id first.
    page.get_by_role("link", name="Kunden", exact=True).click()
    page.get_by_role("link", name="Neuer Kunde").click()
    page.get_by_label("Kundennummer").fill("K-4711")
    page.get_by_label("Name").fill("Hof Lüdemann")
    page.get_by_label("Ort").fill("Bispingen")
    page.get_by_label("USt-IdNr.").fill("DE12345")
    page.get_by_label("Kundengruppe").select_option(label="ACKER Ackerbaubetriebe")
    page.get_by_label("Kreditlimit (€)").fill("25.000")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.locator("#e-vat_id")).to_contain_text("Keine gültige USt-IdNr.")
    expect(page.get_by_label("Name")).to_have_value("Hof Lüdemann")
    screenshot(page, "customer-form-error")
    page.get_by_label("USt-IdNr.").fill("DE136695976")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.get_by_role("heading", name="K-4711 · Hof Lüdemann")).to_be_visible()
    expect(page.locator("#credit-available")).to_have_text("25.000,00 €")
    screenshot(page, "customer")
    page.get_by_role("link", name="Kunden", exact=True).click()
    page.get_by_label("Suche (Nummer oder Name)").fill("lüde")
    expect(page.locator("#customer-list tbody tr")).to_have_count(1)
    screenshot(page, "customers")

    # The price check: the break applies from 500 kg, less the group's 3 %.
    page.get_by_role("link", name="Preise").first.click()
    page.get_by_role("link", name="Preisprüfung").click()
    page.get_by_label("Kundennummer").fill("K-4711")
    page.get_by_label("Artikelnummer").fill("RAPS-SAAT")
    page.get_by_label("Menge").fill("100")
    expect(page.locator("#quote-price")).to_have_text("2,522 € je kg netto")
    page.get_by_label("Menge").fill("800")
    expect(page.locator("#quote-price")).to_have_text("2,328 € je kg netto")
    steps = page.locator("#quote-steps li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("PL-SAAT")
    expect(steps.nth(0)).to_contain_text("ACKER")
    expect(steps.nth(0)).to_contain_text("2,4 € je kg ab 500 kg")
    expect(steps.nth(1)).to_contain_text("3,00 %")
    screenshot(page, "price-check")


def test_the_supplier_screens(web_page, shop, screenshot):
    page = web_page("manager")
    page.goto("/lieferanten")
    page.get_by_label("Suche (Nummer oder Name)").fill("heide")
    expect(page.locator("#supplier-list tbody tr")).to_have_count(1)
    screenshot(page, "suppliers")
    page.get_by_role("link", name="L-700").click()
    expect(page.get_by_role("heading", name="L-700 · Saatbau Heide")).to_be_visible()
    screenshot(page, "supplier")
    page.get_by_role("link", name="Bearbeiten").click()
    page.get_by_label("Zahlungsziel (Tage netto)").fill("14")
    page.get_by_label("gesperrt", exact=True).check()
    page.get_by_label("Grund der Sperre").fill("Zertifikat abgelaufen")
    screenshot(page, "supplier-form")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#partner-status")).to_contain_text("Zertifikat abgelaufen")
    expect(page.get_by_role("link", name="Neue Bestellung")).to_have_count(0)
    page.goto("/einkauf/neu?lieferant=L-700")
    page.get_by_role("button", name="Bestellung anlegen").click()
    expect(page.locator("#e-supplier_no")).to_have_text("Der Lieferant ist gesperrt.")
    screenshot(page, "blocked-supplier")
    assert re.search("L-700", page.get_by_label("Lieferantennummer").input_value())
