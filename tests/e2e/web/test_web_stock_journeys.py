"""Journeys in Chromium through Lagerbewegungen, Inventur, Jobs and System, as users work.

Each journey saves screenshots of its pages (see tests/web_support.py for where)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from landkontor.inventory.models import StockMovement
from tests.jobs_helpers import items_csv
from tests.web_support import PASSWORD


@pytest.fixture
def goods(stock):
    warehouse = stock.warehouse(code="SUED", name="Standort Süd")
    hall = stock.location(warehouse["id"], code="HALLE", name="Halle", kind="hall")
    bin_1 = stock.location(warehouse["id"], code="FACH-1", name="Fach 1", parent_id=hall["id"])
    bin_2 = stock.location(warehouse["id"], code="FACH-2", name="Fach 2", parent_id=hall["id"])
    wheat = stock.item(item_no="WEIZEN-A", name="Weizen A", batch_managed=True, base_unit="kg")
    later = (date.today() + timedelta(days=200)).isoformat()
    stock.receive(
        wheat["id"], bin_2["id"], "800", batch={"batch_no": "CH-ALT", "best_before": later}
    )
    return {"warehouse": warehouse, "hall": hall, "bin_1": bin_1, "bin_2": bin_2, "wheat": wheat}


def _movements(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(StockMovement))


def test_receive_see_the_level_issue_by_fefo_and_reverse(
    anonymous_page, live_server, users, goods, screenshot
):
    users.create_role_user("lagerleitung", "manager")
    page = anonymous_page
    page.goto("/lagerbewegungen")
    page.get_by_label("Benutzername").fill("lagerleitung")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Lagerbewegungen")).to_be_visible()

    # Receive 1.250,5 kg into a new batch that expires sooner than the one in stock.
    page.get_by_role("link", name="Eingang", exact=True).click()
    soon = (date.today() + timedelta(days=30)).isoformat()
    page.get_by_label("Artikelnummer").fill("WEIZEN-A")
    page.get_by_label("Lagerplatz").select_option(str(goods["bin_1"]["id"]))
    page.get_by_label("Menge").fill("1.250,5")
    page.get_by_label("Charge").fill("CH-NEU-1")
    page.get_by_label("MHD").fill(soon)
    page.get_by_label("Einstandspreis je Einheit (€)").fill("0,21")
    screenshot(page, "receipt-form")
    page.get_by_role("button", name="Eingang buchen").click()
    expect(page.get_by_role("heading", name=re.compile("Eingang #"))).to_be_visible()
    expect(page.locator("td.balance")).to_have_text("1.250,5 kg")  # the level after it
    screenshot(page, "receipt-posted")

    # Issue 1.300 kg: the proposal takes the new batch first (it expires first).
    page.get_by_role("link", name="Lagerbewegungen").first.click()
    page.get_by_role("link", name="Ausgang", exact=True).click()
    page.get_by_label("Artikelnummer").fill("WEIZEN-A")
    page.get_by_label("Menge").fill("1.300")
    page.get_by_label("Menge").press("Tab")
    proposal = page.locator("#fefo")
    expect(proposal).to_contain_text("CH-NEU-1")
    rows = proposal.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("CH-NEU-1")
    expect(rows.nth(0)).to_contain_text("1.250,5 kg")
    expect(rows.nth(1)).to_contain_text("CH-ALT")
    expect(rows.nth(1)).to_contain_text("49,5 kg")
    screenshot(page, "fefo-proposal")
    page.get_by_role("button", name=re.compile("Nach Vorschlag ausbuchen")).click()
    expect(page.get_by_role("heading", name=re.compile("Ausgang #"))).to_be_visible()
    expect(page.locator("td.balance")).to_have_text(["0 kg", "750,5 kg"])
    screenshot(page, "issue-posted")

    # Reverse the issue, after confirming with a reason.
    page.get_by_role("link", name="Stornieren …").click()
    expect(page.get_by_role("heading", name=re.compile("stornieren\\?"))).to_be_visible()
    page.get_by_label("Grund").fill("falsche Charge gegriffen")
    screenshot(page, "reverse-confirm")
    page.get_by_role("button", name="Ja, stornieren").click()
    expect(page.get_by_role("heading", name=re.compile("Storno #"))).to_be_visible()
    expect(page.locator("td.balance")).to_have_text(["1.250,5 kg", "800 kg"])
    screenshot(page, "reversed")
    page.get_by_role("link", name=re.compile("Buchung #")).first.click()
    expect(page.locator("#movement-status")).to_have_text("storniert")

    page.goto("/lagerbewegungen?artikel=WEIZEN-A")
    expect(page.locator("#ledger-list tbody tr")).to_have_count(6)
    screenshot(page, "ledger")


def test_a_double_clicked_posting_posts_once(web_page, goods, db, screenshot):
    page = web_page("clerk")
    page.goto("/lagerbewegungen/neu/eingang")
    page.get_by_label("Artikelnummer").fill("WEIZEN-A")
    page.get_by_label("Lagerplatz").select_option(str(goods["bin_1"]["id"]))
    page.get_by_label("Menge").fill("10")
    page.get_by_label("Charge").fill("CH-DOPPEL")
    before = _movements(db)
    page.get_by_role("button", name="Eingang buchen").dblclick()
    expect(page.get_by_role("heading", name=re.compile("Eingang #"))).to_be_visible()
    screenshot(page, "after-double-click")
    assert _movements(db) == before + 1
    # Even when the browser sends the same form twice (no button disabling), it posts once.
    page.goto("/lagerbewegungen/neu/eingang")
    page.get_by_label("Artikelnummer").fill("WEIZEN-A")
    page.get_by_label("Lagerplatz").select_option(str(goods["bin_1"]["id"]))
    page.get_by_label("Menge").fill("10")
    page.get_by_label("Charge").fill("CH-DOPPEL")
    statuses = page.evaluate(
        """async () => {
            const body = new URLSearchParams(new FormData(document.getElementById('posting-form')));
            const send = () => fetch('/lagerbewegungen/neu/eingang', {method: 'POST', body,
                                     redirect: 'manual'});
            const answers = await Promise.all([send(), send()]);
            return answers.map(a => a.type);
        }"""
    )
    assert statuses == ["opaqueredirect", "opaqueredirect"]
    assert _movements(db) == before + 2


def test_a_wrong_quantity_shows_the_german_message_and_keeps_the_input(web_page, goods, screenshot):
    page = web_page("clerk")
    page.goto("/lagerbewegungen/neu/ausgang")
    page.get_by_label("Artikelnummer").fill("WEIZEN-A")
    page.get_by_label("Menge").fill("12,5x")
    page.get_by_label("Lagerplatz").select_option(str(goods["bin_2"]["id"]))
    page.get_by_label("Charge").fill("CH-ALT")
    page.get_by_role("button", name="Ausgang buchen").click()
    expect(page.locator("#e-quantity")).to_contain_text("Bitte eine Zahl eingeben")
    expect(page.get_by_label("Menge")).to_have_value("12,5x")
    expect(page.get_by_label("Menge")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Charge")).to_have_value("CH-ALT")
    screenshot(page, "not-a-number")
    page.get_by_label("Menge").fill("900")
    page.get_by_role("button", name="Ausgang buchen").click()
    expect(page.locator("#e-quantity")).to_have_text("Nicht genug Bestand.")
    expect(page.get_by_label("Menge")).to_have_value("900")
    screenshot(page, "too-much")


def test_a_stocktake_with_a_difference(web_page, goods, screenshot):
    page = web_page("manager")
    page.goto("/inventur")
    page.get_by_role("button", name="Neue Inventur …").click()
    page.get_by_label("HALLE Halle").check()
    screenshot(page, "open")
    page.get_by_role("button", name="Inventur eröffnen").click()
    expect(page.locator("#stocktake-status")).to_have_text("offen")
    expect(page.locator("#locked-locations")).to_contain_text("FACH-2 gesperrt")
    count = page.locator("input[data-count]")
    expect(count).to_have_count(1)
    count.first.fill("795,25")
    count.first.press("Enter")  # the last count: Enter saves the sheet
    expect(page.locator("td.difference")).to_have_text("-4,75 kg")
    screenshot(page, "counted")

    page.goto("/lagerbewegungen/neu/eingang")
    option = page.locator(f"#f-location_id option[value='{goods['bin_2']['id']}']")
    expect(option).to_contain_text("(Inventur läuft)")
    expect(option).to_be_disabled()
    page.go_back()

    page.get_by_role("button", name="Differenzen buchen").click()
    expect(page.locator("#stocktake-status")).to_have_text("gebucht")
    page.get_by_role("link", name=re.compile("Korrekturbuchung")).click()
    expect(page.locator("td.balance")).to_have_text("795,25 kg")
    screenshot(page, "posted")


def test_upload_an_import_and_watch_the_progress_reach_100(
    web_page, worker, db, screenshot, tmp_path
):
    page = web_page("manager")
    page.goto("/jobs")
    page.get_by_role("link", name="Neuer Job …").click()
    page.get_by_role("link", name="Artikel importieren").click()
    page.get_by_label("Zeilen je Transaktion").fill("10")
    content = items_csv(1500).decode()
    page.evaluate(
        """(content) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([content], 'artikel.csv', {type: 'text/csv'}));
            const zone = document.querySelector('[data-dropzone]');
            zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""",
        content,
    )
    expect(page.locator("[data-filename]")).to_have_text("artikel.csv")  # dropped
    screenshot(page, "import-form")
    page.get_by_role("button", name="Job starten").click()
    expect(page.locator("#job-state")).to_be_visible()
    streaming = page.locator("#job-state[sse-connect]").count() == 1
    page.evaluate(
        """() => {
            window.seenProgress = [];
            window.notReloaded = true;
            new MutationObserver(() => {
                const p = document.getElementById('job-progress');
                if (p) window.seenProgress.push(p.textContent);
            }).observe(document.getElementById('job-state'), {childList: true, subtree: true});
        }"""
    )
    screenshot(page, "import-running")
    expect(page.locator("#job-progress")).to_have_text("100 %", timeout=120_000)
    expect(page.locator("#job-status")).to_have_text("fertig")
    assert page.evaluate("window.notReloaded") is True  # the same page, updated live
    assert streaming  # the page was shown while the job ran, and followed it
    assert page.evaluate("window.seenProgress.length") >= 1
    expect(page.locator("#job-result")).to_contain_text("1.500")
    screenshot(page, "import-done")
    page.goto("/jobs")
    expect(page.locator("#job-list")).to_contain_text("Artikel importieren")
    expect(page.locator("#job-list")).to_contain_text("fertig")


def test_an_export_result_is_downloaded(web_page, worker, goods, screenshot):
    page = web_page("clerk")
    page.goto("/jobs/neu/export.items")
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Job starten").click()
    link = page.get_by_role("link", name=re.compile("Ergebnis herunterladen"))
    expect(link).to_be_visible(timeout=60_000)
    screenshot(page, "export-done")
    with page.expect_download() as info:
        link.click()
    assert "WEIZEN-A" in info.value.path().read_text(encoding="utf-8")


def test_the_system_page_runs_the_systemtest_and_shows_its_steps(web_page, db, screenshot):
    page = web_page("manager")
    page.goto("/system")
    expect(page.locator("#services")).to_contain_text("worker")
    expect(page.locator("#doctor")).to_contain_text("database", timeout=60_000)
    page.get_by_role("button", name="Systemtest starten").click()
    steps = page.locator("#systemtest-steps tbody")
    expect(steps).to_contain_text("login", timeout=30_000)
    expect(steps).to_contain_text("token of browser-manager accepted")
    expect(page.locator("#systemtest-status")).not_to_have_text("läuft", timeout=120_000)
    for name in ("api-ready", "broker-round-trip", "get-routes", "business-round-trip"):
        expect(steps).to_contain_text(name)
    screenshot(page, "systemtest")


def test_the_posting_forms_have_large_touch_targets_on_a_tablet(
    browser, live_server, users, goods, screenshot
):
    from tests.web_support import SESSION_COOKIE, session_cookie_for

    user_id = users.create_role_user("tablet-clerk", "clerk")
    context = browser.new_context(
        base_url=live_server, viewport={"width": 800, "height": 1280}, has_touch=True
    )
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": session_cookie_for(user_id), "url": live_server}]
    )
    try:
        page = context.new_page()
        for slug, button in (("eingang", "Eingang buchen"), ("ausgang", "Ausgang buchen")):
            page.goto(f"/lagerbewegungen/neu/{slug}")
            for target in (
                page.get_by_role("button", name=button),
                page.get_by_label("Menge"),
                page.get_by_label("Lagerplatz"),
            ):
                box = target.bounding_box()
                assert box is not None and box["height"] >= 44
            screenshot(page, f"tablet-{slug}")
    finally:
        context.close()
