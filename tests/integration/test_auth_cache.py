"""Authentication without a database round trip per request: what an API process remembers
of a token's user, and when it forgets it (auth/principals.py)."""

from __future__ import annotations

from sqlalchemy import update

from landkontor.api.app import create_app
from landkontor.auth.models import User
from landkontor.auth.principals import Principal, PrincipalCache
from landkontor.auth.roles import Role
from tests.helpers import assert_problem


def _reads_users(statements: list[str]) -> bool:
    return any("FROM users" in s for s in statements)


def test_a_token_s_user_is_read_once_then_taken_from_the_cache(client, clerk, count_statements):
    with count_statements() as first:
        assert client.get("/api/v1/items", headers=clerk).status_code == 200
    with count_statements() as second:
        assert client.get("/api/v1/items", headers=clerk).status_code == 200
    assert _reads_users(first.statements)
    assert not _reads_users(second.statements)
    assert second.work == first.work - 1


def test_a_role_change_takes_effect_at_once_in_the_process_that_made_it(client, users, admin):
    user_id = users.create("disponent", "manager", "disponent-pw")
    token = client.post(
        "/api/v1/auth/token", data={"username": "disponent", "password": "disponent-pw"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    unit = {"code": "BB2", "name": "Big Bag", "dimension": "mass", "factor": "600"}
    assert client.post("/api/v1/units", json=unit, headers=headers).status_code == 201
    response = client.patch(f"/api/v1/users/{user_id}", json={"role": "clerk"}, headers=admin)
    assert response.status_code == 200
    unit["code"] = "BB3"
    assert_problem(client.post("/api/v1/units", json=unit, headers=headers), 403)


def test_a_change_made_elsewhere_counts_once_the_cache_period_is_over(db, users, settings):
    """Another API process deactivates the user: this one was not told and keeps its entry,
    but only for the cache period."""
    from fastapi.testclient import TestClient

    clock = [1000.0]
    app = create_app(settings.model_copy(update={"auth_cache_seconds": 5}), db)
    app.state.principals = PrincipalCache(5, clock=lambda: clock[0])
    headers = users.headers("viewer")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/items", headers=headers).status_code == 200
        with db.session() as s:  # as another process would: no word to this one
            s.execute(update(User).where(User.username == "viewer-user").values(is_active=False))
            s.commit()
        clock[0] += 4.9
        assert client.get("/api/v1/items", headers=headers).status_code == 200
        clock[0] += 0.2
        assert_problem(client.get("/api/v1/items", headers=headers), 401)


def test_without_a_cache_period_every_request_reads_the_user(db, users, settings):
    from fastapi.testclient import TestClient

    app = create_app(settings.model_copy(update={"auth_cache_seconds": 0}), db)
    headers = users.headers("viewer")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/items", headers=headers).status_code == 200
        with db.session() as s:
            s.execute(update(User).where(User.username == "viewer-user").values(is_active=False))
            s.commit()
        assert_problem(client.get("/api/v1/items", headers=headers), 401)


def test_an_older_token_version_never_matches_the_newer_entry():
    cache = PrincipalCache(60)
    cache.put(Principal(7, "lager", Role.clerk, token_version=2))
    assert cache.get(7, 2) is not None
    assert cache.get(7, 1) is None


def test_the_cache_keeps_at_most_its_bound_dropping_the_oldest():
    cache = PrincipalCache(60, max_entries=3)
    for user_id in range(1, 5):
        cache.put(Principal(user_id, f"u{user_id}", Role.viewer, 0))
    assert cache.get(1, 0) is None
    assert [cache.get(n, 0) is not None for n in (2, 3, 4)] == [True, True, True]
