"""Journeys in Chromium through Produktion and Rückverfolgung, as users work: a two-level
production (premix from raw batches, then compound feed from the premix) whose trace
shows both levels back to the supplier; and a trace forward, the recall report as PDF and
XLSX, the recall after a confirmation, and the recalled batches in the batch list.

Each journey saves screenshots of its pages (see tests/web_support.py for where)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.mill import build_delivered_mill, build_mill


@pytest.fixture
def mill(stock, trade):
    return build_mill(stock, trade)


def _produce_in_the_browser(page, screenshot, mill, item_no: str, quantity: str, name: str):
    """Plan, release, consume the FEFO proposal, report the output as the last one."""
    page.goto("/produktion")
    page.get_by_role("link", name="Auftrag planen").click()
    page.get_by_label("Artikelnummer").fill(item_no)
    page.get_by_label("Menge").fill(quantity)
    page.locator("#f-warehouse_id").select_option(str(mill["wh"]["id"]))
    page.get_by_label("Lagerplatz der Ausbringung").select_option(str(mill["done"]["id"]))
    screenshot(page, f"{name}-plan")
    page.get_by_role("button", name="Auftrag planen").click()
    expect(page.get_by_role("heading", name=re.compile("Produktionsauftrag PA-"))).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("geplant")
    expect(page.get_by_text("Alle Komponenten sind verfügbar.")).to_be_visible()
    screenshot(page, f"{name}-planned")
    page.get_by_role("button", name="Freigeben", exact=True).click()
    expect(page.locator("#order-status")).to_have_text("freigegeben")
    screenshot(page, f"{name}-fefo-proposal")
    page.get_by_role("button", name="Entnehmen", exact=True).click()
    expect(page.locator("#order-status")).to_have_text("in Arbeit")
    page.locator("#output-form").get_by_label(re.compile("^Menge")).fill(quantity)
    page.get_by_label("letzte Meldung: Auftrag abschließen").check()
    page.get_by_role("button", name="Ausbringung melden").click()
    expect(page.locator("#order-status")).to_have_text("abgeschlossen")
    expect(page.locator("#outputs")).to_contain_text(f"-{item_no}-01")
    screenshot(page, f"{name}-completed")
    return page.locator("#outputs a").first.inner_text()


def test_a_two_level_production_traced_back_to_the_supplier(web_page, mill, screenshot):
    page = web_page("manager", username="meister")
    page.goto("/")
    page.get_by_role("link", name="Produktion", exact=True).click()
    expect(page.get_by_role("heading", name="Produktion", exact=True)).to_be_visible()
    page.get_by_role("link", name="Rezepturen").click()
    expect(page.locator("#recipe-list")).to_contain_text("Vormischung Standard")
    screenshot(page, "recipes")
    page.get_by_role("link", name="Version 1").first.click()
    expect(page.locator("#recipe-lines")).to_contain_text("SOJA")
    screenshot(page, "recipe")
    page.get_by_role("link", name="Neue Version …").click()
    expect(page.locator("#f-item_no-0")).not_to_have_value("")
    screenshot(page, "recipe-new-version")

    premix = _produce_in_the_browser(page, screenshot, mill, "VORMISCHUNG", "300", "premix")
    feed = _produce_in_the_browser(page, screenshot, mill, "MF-RIND", "1000", "feed")
    page.goto("/produktion")
    expect(page.locator("#order-list tbody tr")).to_have_count(2)
    screenshot(page, "orders")

    # The trace of the feed batch: the premix and the barley, the premix's soy and
    # minerals, all back to the supplier's goods receipt.
    page.goto("/rueckverfolgung")
    page.get_by_label("Chargennummer").fill(feed)
    page.locator("#trace-batches").get_by_role("link", name=feed).click()
    expect(page.get_by_role("heading", name=f"Rückverfolgung Charge {feed}")).to_be_visible()
    graph = page.locator("#trace-graph svg")
    for number in (premix, "G-1", "S-1", "M-1", "Agrarhandel Nord eG"):
        expect(graph).to_contain_text(number)
    tree = page.locator("#trace-tree")
    expect(tree).to_contain_text(premix)
    tree.locator(f"summary:has([data-batch='{premix}'])").click()
    expect(tree).to_contain_text("S-1")
    expect(tree).to_contain_text("Agrarhandel Nord eG")
    expect(page.locator("#trace-receipts")).to_contain_text("LS-778")
    screenshot(page, "trace-backward")


def test_trace_forward_then_recall(web_page, stock, trade, screenshot):
    delivered = build_delivered_mill(stock, trade)
    page = web_page("manager", username="qs-leitung")
    page.goto("/")
    page.get_by_role("link", name="Rückverfolgung", exact=True).click()
    page.get_by_label("Chargennummer").fill("S-1")
    expect(page.locator("#trace-batches")).to_contain_text("Sojaschrot")
    screenshot(page, "search")
    page.locator("#trace-batches").get_by_role("link", name="vorwärts").click()
    graph = page.locator("#trace-graph svg")
    for text in ("VM-1", "MF-1", "Hof Schulte"):
        expect(graph).to_contain_text(text)
    expect(page.locator("#trace-deliveries")).to_contain_text("K-700")
    screenshot(page, "trace-forward")

    page.get_by_role("link", name="Rückrufbericht").click()
    expect(page.locator("#affected-customers")).to_contain_text("schulte@example.org")
    screenshot(page, "report")
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF herunterladen").click()
    pdf = PdfReader(pdf_download.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    for expected in ("Rückrufbericht Charge S-1", "VM-1", "MF-1", "Hof Schulte", "Dorfstraße 4"):
        assert expected in text
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="XLSX herunterladen").click()
    with open(xlsx_download.value.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    batches = [r[0] for r in book["Chargen"].iter_rows(min_row=2, values_only=True)]
    assert batches == ["S-1", "VM-1", "MF-1"]
    customers = [r[:2] for r in book["Kontakte"].iter_rows(min_row=2, values_only=True)]
    assert customers == [("K-700", "Hof Schulte")]

    page.get_by_role("link", name="Rückruf auslösen …").click()
    expect(page.get_by_role("heading", name="Charge S-1 zurückrufen?")).to_be_visible()
    page.get_by_role("button", name="Ja, zurückrufen").click()
    expect(page.locator("#e-reason")).to_have_text("Bitte ausfüllen.")
    page.get_by_label("Grund des Rückrufs").fill("Salmonellenbefund im Sojaschrot")
    screenshot(page, "recall-confirm")
    page.get_by_role("button", name="Ja, zurückrufen").click()
    expect(page.locator("#recall-notice")).to_contain_text("3 Chargen sind jetzt zurückgerufen")
    expect(page.locator("#batch-status")).to_have_text("zurückgerufen")
    screenshot(page, "recalled")

    page.goto("/chargen?status=recalled")
    rows = page.locator("#batch-list tbody tr")
    expect(rows).to_have_count(3)
    for number in ("S-1", "VM-1", "MF-1"):
        expect(page.locator("#batch-list")).to_contain_text(number)
    screenshot(page, "batch-list-recalled")
    assert delivered["customer"]["customer_no"] == "K-700"
