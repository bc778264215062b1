"""Verkauf in Chromium: order to cash (the live price while the quantity is typed, a FEFO
delivery in two parts, the invoice number, the payment, a credit note), and a recalled
batch that the delivery form refuses with a German message, booking nothing.

Every Verkauf screen is saved as a screenshot (see tests/web_support.py for where)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from landkontor.inventory.models import Batch, StockMovement
from landkontor.production import trace
from landkontor.sales.models import Delivery


@pytest.fixture
def shop(stock, trade):
    wh = stock.warehouse(code="HAUPT", name="Hauptlager")
    a = stock.location(wh["id"], code="A", name="Fach A")
    b = stock.location(wh["id"], code="B", name="Fach B")
    feed = stock.item(item_no="FUTTER", name="Milchvieh-Futter", batch_managed=True, base_price="1")
    for batch_no, location, days in (("F-1", a, 10), ("F-2", b, 40)):
        best_before = (date.today() + timedelta(days=days)).isoformat()
        stock.receive(
            feed["id"],
            location["id"],
            100,
            unit_cost="0.60",
            batch={"batch_no": batch_no, "best_before": best_before},
        )
    group = trade.group(discount_percent="5")
    customer = trade.customer(customer_no="K-100", name="Hof Meyer", group_id=group["id"])
    return {"wh": wh, "feed": feed, "customer": customer}


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _row(page, batch_no: str):
    return page.locator(f"#delivery-form tr[data-batch='{batch_no}']")


def test_order_to_cash(web_page, shop, screenshot):
    page = web_page("clerk")
    page.goto("/")
    page.get_by_role("link", name="Verkauf", exact=True).click()
    expect(page.get_by_role("heading", name="Aufträge")).to_be_visible()
    screenshot(page, "orders")

    # A new order: the customer typed by name is suggested, then chosen by number.
    page.get_by_role("link", name="Neuer Auftrag").click()
    customer = page.get_by_label("Kunde (Nummer oder Name)")
    expect(customer).to_be_focused()
    page.keyboard.type("Meyer")
    expect(page.locator("#customer-options option[value='K-100']")).to_have_count(1)
    customer.fill("K-100")
    expect(page.locator("#customer-panel")).to_contain_text("Hof Meyer")
    screenshot(page, "new-order")
    page.get_by_role("button", name="Auftrag anlegen").click()
    expect(page.locator("#order-status")).to_have_text("Entwurf")

    # The price and its explanation follow the quantity as it is typed.
    page.get_by_label("Artikel (Nummer oder Name)").fill("FUTTER")
    quantity = page.get_by_label("Menge")
    quantity.press_sequentially("15")
    expect(page.locator("#quote-amount")).to_have_text("14,25 €")
    quantity.press_sequentially("0")
    expect(page.locator("#quote-amount")).to_have_text("142,50 €")
    steps = page.locator("#quote-steps li")
    expect(steps.filter(has_text="Grundpreis des Artikels")).to_contain_text("1 € je kg")
    expect(steps.filter(has_text="Rabatt")).to_contain_text("5,00 %")
    screenshot(page, "live-price")
    page.get_by_role("button", name="Position hinzufügen").click()
    expect(page.locator("#order-lines tbody tr")).to_have_count(1)
    expect(page.locator("#net-total")).to_have_text("142,50 €")
    page.get_by_role("button", name="Auftrag bestätigen").click()
    expect(page.locator("#order-status")).to_have_text("bestätigt")
    screenshot(page, "order-confirmed")

    # First part: the FEFO proposal (100 of F-1, 50 of F-2) changed to 80 of F-1 only.
    page.get_by_role("link", name="Lieferung erfassen").click()
    expect(_row(page, "F-1").locator("input[name=row_quantity]")).to_have_value("100")
    expect(_row(page, "F-2").locator("input[name=row_quantity]")).to_have_value("50")
    screenshot(page, "delivery-proposal")
    _row(page, "F-1").locator("input[name=row_quantity]").fill("80")
    _row(page, "F-2").locator("input[name=row_quantity]").fill("")
    page.get_by_role("button", name="Lieferung buchen").click()
    expect(page.get_by_role("heading", name=re.compile("Lieferschein LS-"))).to_be_visible()
    expect(page.locator("#delivery-lines tbody tr")).to_have_count(1)
    expect(page.locator("#delivery-lines")).to_contain_text("80 kg")
    screenshot(page, "delivery-1")

    # Second part: the rest as proposed (20 of F-1, then F-2).
    page.get_by_role("link", name=re.compile("Auftrag AU-")).click()
    expect(page.locator("#order-status")).to_have_text("teilgeliefert")
    page.get_by_role("link", name="Lieferung erfassen").click()
    expect(_row(page, "F-1").locator("input[name=row_quantity]")).to_have_value("20")
    page.get_by_role("button", name="Lieferung buchen").click()
    expect(page.locator("#delivery-lines tbody tr")).to_have_count(2)
    screenshot(page, "delivery-2")

    # The invoice with its gapless number, then the payment.
    page.get_by_role("link", name=re.compile("Auftrag AU-")).click()
    expect(page.locator("#order-status")).to_have_text("geliefert")
    page.get_by_role("button", name="Rechnung erstellen").click()
    expect(page.locator("#invoice-number")).to_have_text(f"RE-{date.today().year}-000001")
    expect(page.locator("#gross-total")).to_have_text("169,58 €")  # 142,50 € + 19 %
    screenshot(page, "invoice")
    page.get_by_role("link", name="Zahlungen").click()
    expect(page.locator("#open-items")).to_contain_text(f"RE-{date.today().year}-000001")
    screenshot(page, "payments")
    page.get_by_role("link", name=f"RE-{date.today().year}-000001").click()
    page.get_by_role("button", name="Zahlung buchen").click()
    expect(page.locator("#invoice-status")).to_have_text("bezahlt")
    screenshot(page, "paid")
    page.get_by_role("link", name="Rechnungen und Gutschriften").click()
    expect(page.locator("#invoice-list")).to_contain_text("bezahlt")
    screenshot(page, "invoices")
    page.get_by_role("link", name="Lieferungen", exact=True).click()
    expect(page.locator("#delivery-list tbody tr")).to_have_count(2)
    screenshot(page, "deliveries")

    # A manager writes a credit note on it.
    boss = web_page("manager", username="vertriebsleitung")
    boss.goto("/verkauf/rechnungen?art=rechnung")
    boss.get_by_role("link", name=f"RE-{date.today().year}-000001").click()
    boss.get_by_role("link", name="Gutschrift schreiben …").click()
    boss.get_by_label("Betrag netto Pos. 1").fill("10")
    boss.get_by_label("Grund").fill("Preisnachlass wegen Verspätung")
    screenshot(boss, "credit-note-form")
    boss.get_by_role("button", name="Gutschrift schreiben").click()
    expect(boss.locator("#invoice-number")).to_have_text(f"GS-{date.today().year}-000001")
    expect(boss.locator("#gross-total")).to_have_text("11,90 €")
    screenshot(boss, "credit-note")


def test_a_recalled_batch_cannot_be_delivered(web_page, shop, trade, db, screenshot):
    order = trade.sales_order(
        shop["customer"]["id"],
        shop["wh"]["id"],
        {"item_id": shop["feed"]["id"], "quantity": 50},
        confirm=True,
    )
    with db.session() as s:  # the recall screen is another one's: through the service
        batch_id = s.scalar(select(Batch.id).where(Batch.batch_no == "F-1"))
        trace.recall(s, batch_id, "Salmonellen-Verdacht", actor="qs-leitung")
    movements, deliveries = _count(db, StockMovement), _count(db, Delivery)
    page = web_page("clerk")
    page.goto(f"/verkauf/auftraege/{order['id']}")
    page.get_by_role("link", name="Lieferung erfassen").click()
    expect(_row(page, "F-1")).to_contain_text("zurückgerufen")
    expect(_row(page, "F-1").locator("input[name=row_quantity]")).to_have_value("")
    expect(_row(page, "F-2").locator("input[name=row_quantity]")).to_have_value("50")
    # The clerk insists on the recalled batch (the goods lie in front of them).
    _row(page, "F-1").locator("input[name=row_quantity]").fill("50")
    _row(page, "F-2").locator("input[name=row_quantity]").fill("")
    page.get_by_role("button", name="Lieferung buchen").click()
    expect(_row(page, "F-1").locator(".error")).to_have_text(
        "Charge F-1 ist zurückgerufen und darf nicht geliefert werden."
    )
    expect(_row(page, "F-1").locator("input[name=row_quantity]")).to_have_value("50")
    screenshot(page, "recalled-batch-refused")
    assert _count(db, StockMovement) == movements and _count(db, Delivery) == deliveries
    page.get_by_role("link", name=re.compile("Auftrag AU-")).click()
    expect(page.locator("#order-status")).to_have_text("bestätigt")
