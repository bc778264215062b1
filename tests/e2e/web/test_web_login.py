"""Journey in Chromium: the login page, logging in, the dashboard, logging out."""

from __future__ import annotations

from tests.conftest import ADMIN_PASSWORD


def test_log_in_and_see_the_dashboard(anonymous_page, live_server, db, settings, screenshot):
    from landkontor.auth.service import ensure_initial_admin

    with db.session() as s:
        ensure_initial_admin(s, settings)
    page = anonymous_page
    page.goto("/")
    assert page.url.endswith("/anmelden?next=/")
    screenshot(page, "login")

    page.get_by_label("Benutzername").fill("admin")
    page.get_by_label("Passwort").fill("wrong password")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_text("Benutzername oder Passwort ist falsch.").wait_for()
    assert page.get_by_label("Benutzername").input_value() == "admin"
    screenshot(page, "wrong-password")

    page.get_by_label("Passwort").fill(ADMIN_PASSWORD)
    page.get_by_label("Passwort").press("Enter")  # keyboard only
    page.get_by_role("heading", name="Übersicht").wait_for()
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    for area in ("Übersicht", "Artikel", "Lager", "Chargen", "Lagerbewegungen", "Inventur"):
        assert navigation.get_by_role("link", name=area, exact=True).is_visible()
    assert navigation.get_by_role("link", name="System").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "lk_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # scripts cannot read the session
    screenshot(page, "dashboard")

    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("button", name="Anmelden").wait_for()
    page.goto("/")
    assert "/anmelden" in page.url


def test_a_viewer_does_not_see_the_system_area(web_page, screenshot):
    page = web_page("viewer")
    page.goto("/")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    navigation.get_by_role("link", name="Artikel").wait_for()
    assert navigation.get_by_role("link", name="System").count() == 0
    screenshot(page, "viewer-dashboard")
