"""Health, readiness, problem responses for routing and malformed input."""

from fastapi.testclient import TestClient

from landkontor.api.app import create_app
from landkontor.db.session import Database
from tests.helpers import assert_problem


def test_health_is_always_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_when_database_answers(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_not_ready_names_the_failing_database(settings, tmp_path):
    broken = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(settings, broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"]["status"] == "fail"


def test_unknown_route_is_a_404_problem(client, admin):
    assert_problem(client.get("/api/v1/does-not-exist", headers=admin), 404, "not-found")
    assert_problem(client.get("/nothing-here"), 404, "not-found")


def test_wrong_method_is_a_405_problem(client):
    response = client.delete("/health")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_malformed_json_is_a_400_problem(client, admin):
    response = client.post(
        "/api/v1/users",
        content=b'{"username": "x",',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed-json")


def test_missing_and_mistyped_fields_are_named(client, admin):
    response = client.post("/api/v1/users", json={"role": 5}, headers=admin)
    body = assert_problem(response, 422, "validation-error")
    fields = {e["field"] for e in body["errors"]}
    assert {"username", "password", "role"} <= fields


def test_unknown_fields_are_rejected(client, admin):
    response = client.post(
        "/api/v1/users",
        json={"username": "neu", "password": "long-enough-pw", "colour": "blue"},
        headers=admin,
    )
    assert_problem(response, 422, "validation-error", field="colour")


def test_every_response_carries_a_request_id(client):
    response = client.get("/health", headers={"X-Request-ID": "abc12345-trace"})
    assert response.headers["x-request-id"] == "abc12345-trace"
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32


def test_problem_bodies_carry_the_request_id(client):
    response = client.get("/api/v1/users/me")
    body = assert_problem(response, 401, "unauthorized")
    assert body["request_id"] == response.headers["x-request-id"]


def test_openapi_documents_the_business_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/users/me" in paths
