"""`landkontor api --workers 2`: a deactivation made through one API process reaches the
other within LANDKONTOR_AUTH_CACHE_SECONDS (each process keeps a token's user that long)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.metrics_support import running_api

pytestmark = pytest.mark.slow

CACHE_SECONDS = 1.0


def test_a_deactivation_reaches_every_api_process_within_the_cache_period(
    migrated_database, db, settings, users, tmp_path
):
    admin = users.headers("admin")
    users.create("lager", "clerk", "lager-password")
    env = {"LANDKONTOR_AUTH_CACHE_SECONDS": str(CACHE_SECONDS)}
    with running_api(settings, tmp_path / "api.log", **env) as server:
        token = httpx.post(
            f"{server.base}/api/v1/auth/token",
            data={"username": "lager", "password": "lager-password"},
        ).json()["access_token"]
        lager = {"Authorization": f"Bearer {token}", "Connection": "close"}
        # New connections spread over both processes: both cache the user.
        assert {
            httpx.get(f"{server.base}/api/v1/users/me", headers=lager).status_code
            for _ in range(20)
        } == {200}
        me = httpx.get(f"{server.base}/api/v1/users/me", headers=lager).json()
        response = httpx.patch(
            f"{server.base}/api/v1/users/{me['id']}", json={"is_active": False}, headers=admin
        )
        assert response.status_code == 200
        time.sleep(CACHE_SECONDS + 0.3)
        statuses = [
            httpx.get(f"{server.base}/api/v1/items", headers=lager).status_code for _ in range(20)
        ]
        assert set(statuses) == {401}
