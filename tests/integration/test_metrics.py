"""GET /metrics: the HTTP metric families, bounded labels, token and loopback protection."""

from __future__ import annotations

import importlib

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from landkontor.api.app import create_app
from tests.helpers import assert_problem
from tests.metrics_support import parse_samples, sample

LOCAL = ("127.0.0.1", 51000)
FAMILIES = {
    "landkontor_http_requests",
    "landkontor_http_request_duration_seconds",
    "landkontor_http_requests_in_progress",
    "landkontor_http_errors",
}


def scrape(client: TestClient, **kwargs) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse_samples(response.text)


def value(samples, name: str, **labels: str) -> float:
    return sample(samples, name, **labels) or 0.0


def landkontor_label_sets(samples) -> set[tuple[str, frozenset]]:
    """Every landkontor series (HTTP, job and business gauges) with its labels."""
    return {key for key in samples if key[0].startswith("landkontor_")}


@pytest.fixture
def local_client(app):
    with TestClient(app, raise_server_exceptions=False, client=LOCAL) as test_client:
        yield test_client


def test_families_appear_after_some_calls(local_client, admin):
    local_client.get("/health")
    local_client.get("/api/v1/users/me", headers=admin)
    local_client.get("/api/v1/users/424242", headers=admin)
    families = {f.name for f in text_string_to_metric_families(local_client.get("/metrics").text)}
    assert families >= FAMILIES


def test_requests_are_counted_by_route_template_and_status_class(local_client, admin):
    before = scrape(local_client)
    for user_id in (7001, 7002, 7003):
        local_client.get(f"/api/v1/users/{user_id}", headers=admin)
    local_client.get("/health")
    after = scrape(local_client)

    route = "/api/v1/users/{user_id}"
    key = {"method": "GET", "route": route, "status_class": "4xx"}
    assert value(after, "landkontor_http_requests_total", **key) - value(
        before, "landkontor_http_requests_total", **key
    ) == pytest.approx(3)
    count = "landkontor_http_request_duration_seconds_count"
    assert value(after, count, method="GET", route=route) - value(
        before, count, method="GET", route=route
    ) == pytest.approx(3)
    ok = {"method": "GET", "route": "/health", "status_class": "2xx"}
    assert value(after, "landkontor_http_requests_total", **ok) > value(
        before, "landkontor_http_requests_total", **ok
    )
    assert not any("7001" in str(labels) for _, labels in after)


def test_problem_responses_are_counted_by_code(local_client, admin):
    before = scrape(local_client)
    local_client.get("/api/v1/users/99999", headers=admin)  # not-found
    local_client.post("/api/v1/users", json={"role": 5}, headers=admin)  # validation-error
    local_client.get("/api/v1/users/me")  # unauthorized
    after = scrape(local_client)
    for code in ("not-found", "validation-error", "unauthorized"):
        delta = value(after, "landkontor_http_errors_total", problem_type=code) - value(
            before, "landkontor_http_errors_total", problem_type=code
        )
        assert delta == pytest.approx(1), code


def test_unmatched_paths_and_odd_methods_share_one_label(local_client):
    local_client.get("/no/such/page/1")
    local_client.get("/no/such/page/2")
    local_client.request("BREW", "/health")
    samples = scrape(local_client)
    routes = {dict(labels).get("route") for name, labels in samples if "http_requests" in name}
    assert "<unmatched>" in routes
    assert not any(route and route.startswith("/no/") for route in routes)
    methods = {dict(labels).get("method") for name, labels in samples if "http_requests" in name}
    assert "BREW" not in methods and "OTHER" in methods


def test_thousand_distinct_ids_leave_the_label_set_unchanged(local_client, admin):
    # Warm up: every label combination the loop below can produce exists afterwards.
    local_client.get("/api/v1/users/1", headers=admin)
    local_client.get("/api/v1/users/2", headers=admin)
    before = landkontor_label_sets(scrape(local_client))
    for user_id in range(100_000, 101_000):
        response = local_client.get(f"/api/v1/users/{user_id}", headers=admin)
        assert response.status_code == 404
    after = landkontor_label_sets(scrape(local_client))
    assert after == before
    assert any(name == "landkontor_batches_with_stock" for name, _ in after)  # gauges too


def test_requests_in_progress_is_back_to_zero(local_client):
    local_client.get("/health")
    samples = scrape(local_client)
    # The scrape itself is in progress while the metrics are rendered.
    assert value(samples, "landkontor_http_requests_in_progress", method="GET") == 1


def test_remote_clients_are_refused_without_a_token(app):
    with TestClient(app, raise_server_exceptions=False, client=("203.0.113.9", 4000)) as remote:
        body = assert_problem(remote.get("/metrics"), 403, "forbidden")
    assert "LANDKONTOR_METRICS_TOKEN" in body["detail"]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2"])
def test_loopback_clients_are_served_without_a_token(app, host):
    with TestClient(app, raise_server_exceptions=False, client=(host, 4000)) as local:
        assert local.get("/metrics").status_code == 200


def test_non_ip_client_is_not_loopback(client):
    assert_problem(client.get("/metrics"), 403, "forbidden")  # TestClient's host "testclient"


@pytest.fixture
def token_app(db, settings):
    return create_app(settings.model_copy(update={"metrics_token": SecretStr("scrape-me")}), db)


def test_configured_token_is_required_even_on_loopback(token_app):
    with TestClient(token_app, raise_server_exceptions=False, client=LOCAL) as local:
        response = local.get("/metrics")
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
        assert_problem(
            local.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401, "unauthorized"
        )
        assert_problem(local.get("/metrics", headers={"Authorization": "Basic scrape-me"}), 401)


def test_configured_token_lets_remote_scrapers_in(token_app):
    with TestClient(token_app, raise_server_exceptions=False, client=("10.1.2.3", 4000)) as remote:
        samples = scrape(remote, headers={"Authorization": "Bearer scrape-me"})
    assert any(name.startswith("landkontor_http_") for name, _ in samples)


def test_openmetrics_is_negotiated(local_client):
    response = local_client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


def test_metrics_survive_reimport_and_many_apps(db, settings):
    import landkontor.api.metrics as metrics

    reloaded = importlib.reload(metrics)
    assert reloaded.HTTP_REQUESTS is not None
    for _ in range(3):
        with TestClient(create_app(settings, db), client=LOCAL) as local:
            local.get("/health")
            assert local.get("/metrics").status_code == 200


def test_documentation_routes_and_routes_added_later_keep_their_template(settings, db):
    app = create_app(settings, db)  # its own: this test adds a route
    with TestClient(app, raise_server_exceptions=False, client=LOCAL) as local_client:
        local_client.get("/openapi.json")
        app.add_api_route("/late/{part}", lambda part: {"part": part}, methods=["GET"])
        assert local_client.get("/late/abc").status_code == 200
        routes = {
            dict(labels).get("route")
            for name, labels in scrape(local_client)
            if name == "landkontor_http_requests_total"
        }
    assert {"/openapi.json", "/late/{part}"} <= routes
    assert "/late/abc" not in routes
