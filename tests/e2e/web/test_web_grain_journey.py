"""The weighbridge clerk in Chromium: a truck from gross weighing to intake by keyboard
only, a wrong tare refused at its field with the input kept, and the ticket printed."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.grain_support import Harvest


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def _type_and_enter(page, text: str) -> None:
    if text:
        page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_truck_from_gross_weighing_to_intake_by_keyboard(
    harvest, web_page, screenshot, live_server
):
    farmer = harvest.farmer(name="Hof Brammer", supplier_no="L-4711")
    page = web_page("clerk")
    page.goto("/")
    page.get_by_role("link", name="Getreideannahme").click()
    expect(page.get_by_role("heading", name="Getreideannahme", exact=True)).to_be_visible()
    # The farmer field has the focus; the only weighbridge and crop are preselected.
    expect(page.get_by_label("Landwirt (Nummer oder Name)")).to_be_focused()
    page.keyboard.type("Bramm")
    expect(page.locator("#farmer-options option[value='L-4711']")).to_have_count(1)
    page.keyboard.press("Control+A")
    _type_and_enter(page, farmer["supplier_no"])
    expect(page.get_by_label("Fruchtart")).to_be_focused()
    _type_and_enter(page, "")
    _type_and_enter(page, "CE-LW 42")
    _type_and_enter(page, "Jan Brammer")
    _type_and_enter(page, "40.000")
    screenshot(page, "gross")
    _type_and_enter(page, "W1-0815")  # the last field: Enter sends the form
    expect(page.get_by_role("heading", name=re.compile(r"Wiegeschein \S*NORD-"))).to_be_visible()
    expect(page.locator("#ticket-status")).to_have_text("offen")

    # A tare above the gross weight: the German message at the field, the input kept.
    expect(page.get_by_label("Tara (kg)")).to_be_focused()
    _type_and_enter(page, "41000")
    _type_and_enter(page, "W1-0816")
    expect(page.locator("#e-tare_kg")).to_have_text(
        "Die Tara muss kleiner als das Bruttogewicht sein."
    )
    expect(page.get_by_label("Tara (kg)")).to_have_value("41000")
    expect(page.get_by_label("Wägenummer der Waage")).to_have_value("W1-0816")
    screenshot(page, "tare-refused")
    expect(page.get_by_label("Tara (kg)")).to_be_focused()
    page.keyboard.press("Control+A")
    _type_and_enter(page, "15.000")
    _type_and_enter(page, "")  # the record number typed before is kept
    expect(page.locator("#net")).to_have_text("25.000 kg")

    # The sample, field by field; empty fields are skipped with Enter.
    expect(page.get_by_label("Feuchte (%)")).to_be_focused()
    for value in ("16,5", "3,0", "", "77", "13,4", "280", ""):
        _type_and_enter(page, value)
    expect(page.locator("#f-location_id")).to_be_focused()

    # The lab's second sample replaces the first: refused without a reason (the German
    # message at the field, the values kept), stored with one.
    page.locator("#correction summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Feuchte (%)")).to_have_value("16,5")  # the first sample's
    page.get_by_label("Feuchte (%)").fill("15,5")
    page.get_by_role("button", name="Korrektur speichern").click()
    expect(page.locator("#e-reason")).to_contain_text("Bitte den Grund der Korrektur angeben")
    expect(page.get_by_label("Feuchte (%)")).to_have_value("15,5")
    expect(page.get_by_label("Grund der Korrektur")).to_be_focused()
    _type_and_enter(page, "Schiedsprobe")
    for _ in range(7):  # Enter through the kept values; the last field sends the form
        page.keyboard.press("Enter")
    expect(page.locator("#analysis")).to_contain_text("Feuchte 15,5 %")
    expect(page.locator("#analysis")).to_contain_text("Grund: Schiedsprobe")
    screenshot(page, "sample-corrected")

    # Intake: the first silo cell is chosen; Enter takes the load in.
    expect(page.locator("#f-location_id")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-status")).to_have_text("angenommen")
    expect(page.locator("#settlement-kg")).to_contain_text("24.333 kg")  # 15.5 % moisture
    expect(page.locator("#settlement-kg")).to_contain_text("Z1")
    screenshot(page, "taken-in")

    # The printable ticket has the focus and opens as a PDF of the receipt printer.
    pdf_link = page.get_by_role("link", name="Wiegeschein drucken")
    expect(pdf_link).to_be_focused()
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    for expected in ("CE-LW 42", "Jan Brammer", "Hof Brammer", "W1-0815", "24.333 kg"):
        assert expected in text, expected

    page.get_by_role("link", name="Nächster LKW").click()
    row = page.locator("#day-tickets tbody tr").first
    expect(row).to_contain_text("angenommen")
    expect(row).to_contain_text("Hof Brammer")
    screenshot(page, "today")
