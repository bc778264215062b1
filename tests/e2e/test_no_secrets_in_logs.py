"""No password, token, password hash or secret setting reaches a log.

A real `landkontor up` (supervisor, API, worker, beat, Flower) on its own PostgreSQL
database lives through what writes such values near a log: logins (good and bad), user
creations (good, duplicate, refused by the database with the new hash among the statement's
values), and job failures (one with a database error quoting a row that holds a hash). Then
every log of the stack is searched for each of those values.
"""

from __future__ import annotations

import json
import os

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_PASSWORD, SECRET
from tests.helpers import requires_postgres
from tests.jobtypes import LEAKY_PASSWORD
from tests.ops_helpers import Stack, wait_until

pytestmark = [pytest.mark.slow, requires_postgres]

NEW_PASSWORD = "franziskas-password-0815"
REFUSED_PASSWORD = "refused-users-password-42"
METRICS_TOKEN = "metrics-token-for-the-log-test"


@pytest.fixture(scope="module")
def stack_database():
    """A database of its own for the stack (the suite's database is the tests')."""
    url = make_url(os.environ["LANDKONTOR_TEST_DATABASE_URL"])
    name = f"{url.database}_logs"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, stack_database):
    stack = Stack(
        tmp_path_factory.mktemp("secrets"),
        LANDKONTOR_DATABASE_URL=stack_database,
        LANDKONTOR_JOB_MODULES=json.dumps(["tests.jobtypes"]),
        LANDKONTOR_METRICS_TOKEN=METRICS_TOKEN,
        LANDKONTOR_LOG_LEVEL="INFO",
    )
    stack.up()
    try:
        stack.wait_started(timeout=120)
        yield stack
    finally:
        stack.down()
        stack.kill_everything()


def _wait_finished(api, headers, job_id):
    def finished():
        job = api.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    return wait_until(finished, 60, f"job {job_id} to finish")


def test_logs_hold_no_password_token_hash_or_secret(stack, stack_database):
    api = httpx.Client(base_url=stack.api_url, timeout=30)
    admin_token = stack.token()
    admin = {"Authorization": f"Bearer {admin_token}"}

    # logins: wrong password, unknown user, a NUL byte in the name
    for username, password in (("admin", "wrong-" + ADMIN_PASSWORD), ("nobody", NEW_PASSWORD)):
        response = api.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert response.status_code == 401, response.text
    response = api.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "x"})
    assert response.status_code == 422, response.text

    # user creations: fine, duplicate, refused by the database
    body = {"username": "franziska", "password": NEW_PASSWORD, "full_name": "Franziska"}
    assert api.post("/api/v1/users", json=body, headers=admin).status_code == 201
    assert api.post("/api/v1/users", json=body, headers=admin).status_code == 409
    engine = create_engine(stack_database)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE users ALTER COLUMN full_name TYPE varchar(20)"))
    engine.dispose()
    refused = {"username": "refused", "password": REFUSED_PASSWORD, "full_name": "Meyer" * 10}
    response = api.post("/api/v1/users", json=refused, headers=admin)
    assert response.status_code == 422 and response.json()["code"] == "value-not-storable"

    # the new user logs in and works with the token
    response = api.post(
        "/api/v1/auth/token", data={"username": "franziska", "password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    user_token = response.json()["access_token"]
    assert api.get("/api/v1/users/me", headers={"Authorization": f"Bearer {user_token}"}).is_success

    # job failures: a database error quoting a hash, a validation error
    leaky = api.post("/api/v1/jobs", json={"type": "test.leaky"}, headers=admin).json()
    invalid = api.post("/api/v1/jobs", json={"type": "test.invalid"}, headers=admin).json()
    failed = _wait_finished(api, admin, leaky["id"])
    assert failed["status"] == "failed", failed
    assert failed["error"]["message"].startswith("database error: IntegrityError")
    assert "$argon2" not in json.dumps(failed)
    assert _wait_finished(api, admin, invalid["id"])["status"] == "failed"
    api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    api.close()
    stack.down()

    logs = {p.name: p.read_text(errors="replace") for p in (stack.var / "log").glob("*.log*")}
    logs["up.out"] = stack.output()
    assert {"api.log", "worker.log", "supervisor.log"} <= set(logs)
    everything = "\n".join(logs.values())
    # the run did reach the paths that used to leak
    assert "value refused by the database" in logs["api.log"]
    assert "database error: IntegrityError" in logs["worker.log"]
    flower_password = (stack.var / "flower-password").read_text().strip()
    secrets = {
        "admin password": ADMIN_PASSWORD,
        "new user's password": NEW_PASSWORD,
        "refused user's password": REFUSED_PASSWORD,
        "job's password": LEAKY_PASSWORD,
        "admin token": admin_token,
        "user token": user_token,
        "argon2 hash": "$argon2",
        "secret key": SECRET,
        "metrics token": METRICS_TOKEN,
        "flower password": flower_password,
    }
    for what, value in secrets.items():
        for name, text_ in logs.items():
            assert value not in text_, f"{what} in {name}"
    assert "Failing row contains" not in everything
