"""Journeys in Chromium through Artikel, Chargen, Lager and the Übersicht, as users work.

Each journey saves screenshots of its pages (see tests/web_support.py for where)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect


@pytest.fixture
def goods(stock):
    warehouse = stock.warehouse(code="SUED", name="Standort Süd")
    hall = stock.location(warehouse["id"], code="HALLE", name="Halle", kind="hall")
    bin_ = stock.location(
        warehouse["id"], code="FACH-1", name="Fach 1", parent_id=hall["id"], capacity="2000"
    )
    wheat = stock.item(item_no="WEIZEN-A", name="Weizen A", batch_managed=True)
    best_before = (date.today() + timedelta(days=90)).isoformat()
    stock.receive(
        wheat["id"],
        bin_["id"],
        "1500",
        batch={"batch_no": "CH-2026-17", "best_before": best_before},
    )
    batch = stock.client.get(
        "/api/v1/batches", params={"batch_no": "CH-2026-17"}, headers=stock.headers
    ).json()["items"][0]
    return {"warehouse": warehouse, "hall": hall, "bin": bin_, "wheat": wheat, "batch": batch}


def test_create_an_item_and_find_it_in_the_list(web_page, goods, screenshot):
    page = web_page("manager")
    page.goto("/artikel")
    page.get_by_role("link", name="Neuer Artikel").click()
    expect(page.get_by_role("heading", name="Neuer Artikel")).to_be_visible()
    page.get_by_label("Artikelnummer").fill("RAPS-00")
    page.get_by_label("Bezeichnung").fill("Raps 00-Qualität")
    page.get_by_label("Basiseinheit", exact=True).select_option("t")
    page.get_by_label("Meldebestand").fill("1.250,5")
    page.get_by_label("Chargenführung").check()
    screenshot(page, "new-item-form")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.get_by_role("heading", name=re.compile("RAPS-00"))).to_be_visible()
    expect(page.get_by_text("1.250,5 t")).to_be_visible()
    screenshot(page, "item-detail")

    page.get_by_role("link", name="Artikel", exact=False).last.click()
    page.get_by_label("Suche (Nummer oder Name)").fill("raps")  # active search, no submit
    expect(page.locator("#item-list tbody tr")).to_have_count(1)
    expect(page.locator("#item-list")).to_contain_text("RAPS-00")
    assert "q=raps" in page.url  # the search is in the address, so it can be bookmarked
    screenshot(page, "item-search")


def test_a_wrong_value_shows_the_german_message_at_its_field(web_page, goods, screenshot):
    page = web_page("manager")
    page.goto("/artikel/neu")
    page.get_by_label("Artikelnummer").fill("WEIZEN-A")
    page.get_by_label("Bezeichnung").click()  # leaving the field checks it inline
    expect(page.locator("#e-item_no")).to_have_text("Diese Artikelnummer gibt es schon.")
    screenshot(page, "inline-check")
    page.get_by_label("Artikelnummer").fill("HAFER-1")
    page.get_by_label("Bezeichnung").fill("Hafer")
    page.get_by_label("Meldebestand").fill("zwölf")
    page.get_by_label("Meldebestand").press("Tab")  # the inline check answers first ...
    error = page.locator("#e-reorder_point")
    expect(error).to_contain_text("Bitte eine Zahl eingeben")
    page.get_by_role(
        "button", name="Anlegen"
    ).click()  # ... then the form comes back from the server
    expect(error).to_contain_text("Bitte eine Zahl eingeben")
    expect(page.get_by_label("Meldebestand")).to_have_value("zwölf")
    expect(page.get_by_label("Bezeichnung")).to_have_value("Hafer")
    expect(page.get_by_label("Meldebestand")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "field-error")


def test_block_a_batch_with_a_reason_and_see_it_on_the_dashboard(web_page, goods, screenshot):
    page = web_page("manager")
    page.goto("/")
    blocked_tile = page.locator("#tile-gesperrt")
    expect(blocked_tile).to_contain_text("0 gesperrt")  # lazily loaded by htmx
    page.goto("/chargen")
    page.get_by_role("link", name="CH-2026-17").click()
    page.get_by_label("Grund").fill("Mykotoxin-Befund Labor 4711")
    screenshot(page, "batch-before")
    page.get_by_role("button", name="Sperren").click()
    expect(page.locator("#batch-status")).to_have_text("gesperrt")
    expect(page.get_by_role("cell", name="Mykotoxin-Befund Labor 4711")).to_be_visible()
    screenshot(page, "batch-blocked")

    page.get_by_role("link", name="Übersicht").click()
    expect(blocked_tile).to_contain_text("1 gesperrt")
    screenshot(page, "dashboard")
    blocked_tile.get_by_role("link", name=re.compile("gesperrt")).click()
    expect(page.locator("#batch-list")).to_contain_text("CH-2026-17")
    screenshot(page, "blocked-batches")


def test_a_viewer_sees_no_write_buttons_and_a_forged_post_gets_403(web_page, goods, screenshot):
    page = web_page("viewer")
    for url in ("/artikel", f"/artikel/{goods['wheat']['id']}", f"/chargen/{goods['batch']['id']}"):
        page.goto(url)
        expect(page.locator("main form[method=post] button, main a.button")).to_have_count(0)
    page.goto(f"/lager/plaetze/{goods['hall']['id']}/unterplaetze")
    expect(page.get_by_role("button", name="Sperren")).to_have_count(0)
    page.goto(f"/chargen/{goods['batch']['id']}")
    screenshot(page, "viewer-batch")
    # The viewer forges the manager's form with its own valid session and CSRF token.
    status = page.evaluate(
        """async (batchId) => {
            const token = document.querySelector('input[name=csrf_token]').value;
            const body = new URLSearchParams(
                {csrf_token: token, status: 'blocked', reason: 'forged'});
            const response = await fetch(`/chargen/${batchId}/status`, {method: 'POST', body});
            return response.status;
        }""",
        goods["batch"]["id"],
    )
    assert status == 403
    page.goto(f"/chargen/{goods['batch']['id']}")
    expect(page.locator("#batch-status")).to_have_text("freigegeben")


def test_a_post_without_the_csrf_token_is_refused(web_page, goods, screenshot):
    page = web_page("manager")
    page.goto(f"/chargen/{goods['batch']['id']}")
    page.get_by_label("Grund").fill("ohne Token")
    page.evaluate(
        "document.querySelectorAll('main input[name=csrf_token]').forEach(e => e.remove())"
    )
    page.get_by_role("button", name="Sperren").click()
    expect(page.get_by_role("heading", name="Keine Berechtigung")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Formular ist abgelaufen")
    screenshot(page, "csrf-refused")
    page.goto(f"/chargen/{goods['batch']['id']}")
    expect(page.locator("#batch-status")).to_have_text("freigegeben")


def test_the_location_tree_opens_and_a_location_is_blocked(web_page, goods, screenshot):
    page = web_page("manager")
    page.goto("/lager")
    page.get_by_role("link", name="SUED").click()
    expect(page.get_by_text("FACH-1")).to_have_count(0)
    page.locator("summary").first.focus()
    page.keyboard.press("Enter")  # opens by keyboard; the children load then
    node = page.locator("#loc-" + str(goods["bin"]["id"]))
    expect(node).to_contain_text("1.500 / 2.000 (75 %)")
    screenshot(page, "tree-open")
    node.get_by_role("button", name="Sperren").click()
    expect(node.get_by_text("gesperrt")).to_be_visible()
    expect(node.get_by_role("button", name="Entsperren")).to_be_visible()
    screenshot(page, "location-blocked")
    page.reload()
    page.locator("summary").first.click()
    expect(page.locator("#loc-" + str(goods["bin"]["id"]))).to_contain_text("gesperrt")


def test_pages_work_on_a_tablet(browser, live_server, users, goods, screenshot):
    from tests.web_support import SESSION_COOKIE, session_cookie_for

    user_id = users.create_role_user("tablet", "manager")
    context = browser.new_context(
        base_url=live_server, viewport={"width": 800, "height": 1280}, has_touch=True
    )
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": session_cookie_for(user_id), "url": live_server}]
    )
    try:
        page = context.new_page()
        page.goto("/artikel/neu")
        box = page.get_by_role("button", name="Anlegen").bounding_box()
        assert box is not None and box["height"] >= 44  # large touch target
        field = page.get_by_label("Artikelnummer").bounding_box()
        assert field is not None and field["height"] >= 44
        screenshot(page, "tablet-form")
    finally:
        context.close()
