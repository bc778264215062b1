"""Login, tokens, roles, throttling and user management through HTTP."""

from datetime import timedelta

from landkontor.auth.security import create_access_token
from tests.conftest import SECRET
from tests.helpers import assert_problem


def login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_login_returns_a_bearer_token_that_works(client, users):
    users.create("lager", "clerk", "lager-password")
    response = login(client, "lager", "lager-password")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "lager" and me.json()["role"] == "clerk"
    assert "password_hash" not in me.json()


def test_user_names_are_case_insensitive(client, users):
    users.create("Meier", "viewer", "meier-password")
    assert login(client, "MEIER", "meier-password").status_code == 200


def test_wrong_password_is_401_without_telling_which_part_was_wrong(client, users):
    users.create("lager", "clerk", "lager-password")
    wrong_pw = assert_problem(login(client, "lager", "nope-nope"), 401, "unauthorized")
    no_user = assert_problem(login(client, "nobody", "nope-nope"), 401, "unauthorized")
    assert wrong_pw["detail"] == no_user["detail"]


def test_login_form_fields_are_required(client):
    response = client.post("/api/v1/auth/token", data={"username": "x"})
    assert_problem(response, 422, field="password")


def test_repeated_failures_are_throttled_with_retry_after(client, users, settings):
    users.create("lager", "clerk", "lager-password")
    for _ in range(settings.login_max_failures):
        assert login(client, "lager", "wrong-password").status_code == 401
    response = login(client, "lager", "lager-password")
    body = assert_problem(response, 429, "too-many-requests")
    assert int(response.headers["retry-after"]) >= 1
    assert body["retry_after"] >= 1
    # Other users are not affected.
    users.create("buero", "clerk", "buero-password")
    assert login(client, "buero", "buero-password").status_code == 200


def test_missing_garbage_and_expired_tokens_are_401(client, users):
    user_id = users.create("lager", "clerk")
    assert_problem(client.get("/api/v1/users/me"), 401, "unauthorized")
    garbage = {"Authorization": "Bearer not-a-jwt"}
    assert_problem(client.get("/api/v1/users/me", headers=garbage), 401, "unauthorized")
    expired, _ = create_access_token(user_id, 0, key=SECRET, lifetime=timedelta(seconds=-1))
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {expired}"})
    body = assert_problem(response, 401, "unauthorized")
    assert "expired" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_viewer_cannot_write(client, viewer):
    response = client.post(
        "/api/v1/users", json={"username": "x1", "password": "long-password"}, headers=viewer
    )
    assert_problem(response, 403, "forbidden")


def test_user_management_is_admin_only(client, viewer, manager, admin):
    """Reading accounts too: they hold e-mail addresses and say who may do what."""
    for headers in (viewer, manager):
        assert_problem(client.get("/api/v1/users", headers=headers), 403, "forbidden")
        assert_problem(client.get("/api/v1/users/1", headers=headers), 403, "forbidden")
    assert client.get("/api/v1/users/me", headers=viewer).status_code == 200
    created = client.post(
        "/api/v1/users",
        json={"username": "neu", "password": "long-password", "role": "clerk"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    page = client.get("/api/v1/users", headers=admin).json()
    assert set(page) == {"items", "total", "limit", "offset"}
    assert "neu" in [u["username"] for u in page["items"]]
    assert page["total"] == len(page["items"])


def test_duplicate_user_is_409(client, admin):
    body = {"username": "neu", "password": "long-password"}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    assert_problem(
        client.post("/api/v1/users", json=body, headers=admin), 409, "already-exists", "username"
    )


def test_short_password_is_rejected(client, admin):
    response = client.post(
        "/api/v1/users", json={"username": "neu", "password": "short"}, headers=admin
    )
    assert_problem(response, 422, field="password")


def test_last_admin_cannot_be_demoted(client, admin):
    me = client.get("/api/v1/users/me", headers=admin).json()
    response = client.patch(f"/api/v1/users/{me['id']}", json={"role": "clerk"}, headers=admin)
    assert_problem(response, 409, "invalid-state")
    assert client.get("/api/v1/users/me", headers=admin).json()["role"] == "admin"


def test_deactivated_user_loses_access_at_once(client, users, admin):
    user_id = users.create("lager", "clerk", "lager-password")
    token = login(client, "lager", "lager-password").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    response = client.patch(f"/api/v1/users/{user_id}", json={"is_active": False}, headers=admin)
    assert response.status_code == 200
    assert_problem(client.get("/api/v1/users/me", headers=headers), 401)
    assert_problem(login(client, "lager", "lager-password"), 401)


def test_password_change_revokes_old_tokens(client, users):
    users.create("lager", "viewer", "lager-password")
    token = login(client, "lager", "lager-password").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    wrong = client.post(
        "/api/v1/users/me/password",
        json={"current_password": "bad", "new_password": "new-password-1"},
        headers=headers,
    )
    assert_problem(wrong, 422, field="current_password")
    ok = client.post(
        "/api/v1/users/me/password",
        json={"current_password": "lager-password", "new_password": "new-password-1"},
        headers=headers,
    )
    assert ok.status_code == 204
    assert_problem(client.get("/api/v1/users/me", headers=headers), 401)
    assert login(client, "lager", "new-password-1").status_code == 200


def test_unknown_user_id_is_404(client, admin):
    assert_problem(client.get("/api/v1/users/999999", headers=admin), 404, "not-found")
    assert_problem(client.get("/api/v1/users/abc", headers=admin), 422, field="user_id")
