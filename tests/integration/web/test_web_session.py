"""The browser session: login, expiry, revocation, CSRF and the viewer's read-only rule."""

from __future__ import annotations

import pytest

from landkontor.auth.models import User
from tests.conftest import ADMIN_PASSWORD
from tests.web_support import SESSION_COOKIE, csrf_of, session_cookie_for


def test_a_page_without_session_redirects_to_the_login(web_client):
    response = web_client.get("/passwort?q=weizen")
    assert response.status_code == 303
    assert response.headers["location"] == "/anmelden?next=/passwort%3Fq%3Dweizen"
    login = web_client.get(response.headers["location"])
    assert login.status_code == 200
    assert 'name="password"' in login.text


def test_login_sets_an_httponly_lax_cookie_that_expires_like_tokens(web_client, users, settings):
    users.create("anna", "clerk", password="anna-password")
    response = web_client.post(
        "/anmelden", {"username": "anna", "password": "anna-password", "next": "/"}, csrf=False
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert f"Max-Age={settings.token_expire_minutes * 60}" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure comes with HTTPS
    assert web_client.get("/").status_code == 200


def test_a_wrong_password_shows_a_german_message_and_keeps_the_name(web_client, users):
    users.create("anna", "clerk", password="anna-password")
    response = web_client.post(
        "/anmelden", {"username": "anna", "password": "wrong", "next": "/"}, csrf=False
    )
    assert response.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in response.text
    assert 'value="anna"' in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_the_login_throttle_applies_to_the_form(web_client, users, settings):
    users.create("anna", "clerk", password="anna-password")
    for _ in range(settings.login_max_failures):
        web_client.post("/anmelden", {"username": "anna", "password": "nope"}, csrf=False)
    response = web_client.post(
        "/anmelden", {"username": "anna", "password": "anna-password"}, csrf=False
    )
    assert response.status_code == 429
    assert "Zu viele Fehlversuche" in response.text
    assert response.headers["retry-after"]


def test_login_from_another_site_is_refused(web_client, users):
    users.create("anna", "clerk", password="anna-password")
    response = web_client.post(
        "/anmelden",
        {"username": "anna", "password": "anna-password"},
        csrf=False,
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\t/evil.example"])
def test_login_redirects_only_to_a_path_of_this_site(web_client, users, target):
    users.create("anna", "clerk", password="anna-password")
    response = web_client.post(
        "/anmelden",
        {"username": "anna", "password": "anna-password", "next": target},
        csrf=False,
    )
    assert response.headers["location"] == "/"


def test_the_cookie_is_secure_over_https(app, users):
    from fastapi.testclient import TestClient

    users.create("anna", "clerk", password="anna-password")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = client.post(
            "/anmelden",
            data={"username": "anna", "password": "anna-password"},
            headers={"Origin": "https://testserver"},
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_an_expired_session_leads_back_to_the_login(web_client, users):
    user_id = users.create_role_user("old", "clerk")
    web_client.use_session(session_cookie_for(user_id, minutes=-1))
    response = web_client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/anmelden")


def test_deactivating_a_user_ends_the_session(web_client, db):
    user_id = web_client.login_as("clerk")
    assert web_client.get("/").status_code == 200
    with db.session() as s:
        user = s.get(User, user_id)
        user.is_active = False
        user.token_version += 1
        s.commit()
    assert web_client.get("/").status_code == 303


def test_a_forged_cookie_is_not_a_session(web_client, users):
    user_id = users.create_role_user("eve", "admin")
    good = session_cookie_for(user_id)
    web_client.use_session(good[:-4] + "AAAA")
    assert web_client.get("/").status_code == 303


def test_logout_ends_the_session_in_this_browser(web_client):
    web_client.login_as("viewer")
    response = web_client.post("/abmelden")
    assert response.status_code == 303
    assert response.headers["location"] == "/anmelden"
    assert web_client.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused(web_client):
    web_client.login_as("clerk")
    response = web_client.post("/abmelden", {}, csrf=False)
    assert response.status_code == 403
    assert "Formular ist abgelaufen" in response.text
    assert web_client.get("/").status_code == 200  # still logged in


def test_a_csrf_token_of_another_session_is_refused(web_client, users):
    web_client.login_as("clerk")
    own = csrf_of(web_client.get("/passwort").text)
    other = users.create_role_user("other", "clerk")
    web_client.use_session(session_cookie_for(other, minutes=29))
    response = web_client.post("/abmelden", {"csrf_token": own})
    assert response.status_code == 403


def test_a_post_from_another_origin_is_refused_even_with_the_token(web_client):
    web_client.login_as("clerk")
    response = web_client.post("/abmelden", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    response = web_client.post("/abmelden", headers={"Origin": "", "Referer": ""})
    assert response.status_code == 403


def test_a_post_with_the_referer_of_this_site_passes(web_client):
    web_client.login_as("clerk")
    token = csrf_of(web_client.get("/passwort").text)
    response = web_client.client.post(
        "/abmelden", data={"csrf_token": token}, headers={"Referer": "http://testserver/"}
    )
    assert response.status_code == 303


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(web_client, db, users):
    user_id = users.create("anna", "clerk", password="anna-password")
    other_browser = session_cookie_for(user_id)
    web_client.use_session(session_cookie_for(user_id))
    response = web_client.post(
        "/passwort", {"current_password": "anna-password", "new_password": "new-password-1"}
    )
    assert response.status_code == 303
    assert web_client.get(response.headers["location"]).status_code == 200
    web_client.use_session(other_browser)
    assert web_client.get("/").status_code == 303


def test_a_wrong_current_password_shows_at_its_field(web_client, users):
    user_id = users.create("anna", "clerk", password="anna-password")
    web_client.use_session(session_cookie_for(user_id))
    response = web_client.post(
        "/passwort", {"current_password": "nope-nope", "new_password": "short"}
    )
    assert response.status_code == 422
    assert '<p class="error" id="e-new_password" aria-live="polite">Mindestens 8 Zeichen.' in (
        response.text
    )
    assert "nope-nope" not in response.text  # passwords are never echoed


def test_the_initial_admin_can_log_in_with_the_form(web_client, db, settings):
    from landkontor.auth.service import ensure_initial_admin

    with db.session() as s:
        ensure_initial_admin(s, settings)
    response = web_client.post(
        "/anmelden", {"username": "admin", "password": ADMIN_PASSWORD}, csrf=False
    )
    assert response.status_code == 303
    page = web_client.get("/")
    assert "System" in page.text  # admins see every area
