"""Grafana provisioning: every dashboard query names a metric that really exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY, load_yaml
from tests.deploy.known_metrics import TARGET_LABELS
from tests.deploy.promql import label_values_problems, problems

GRAFANA = DEPLOY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))  # collapsed rows
    return found


def datasource_uid() -> str:
    (datasource,) = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    return datasource["uid"]


def test_the_three_required_dashboards_exist():
    titles = " ".join(load(path)["title"] for path in DASHBOARDS).lower()
    for topic in ("api", "jobs", "business"):
        assert topic in titles


def test_dashboards_are_well_formed():
    uid = datasource_uid()
    seen_uids = set()
    for path in DASHBOARDS:
        dashboard = load(path)
        assert dashboard["uid"] not in seen_uids, path.name
        seen_uids.add(dashboard["uid"])
        ids = [panel["id"] for panel in panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in panels(dashboard):
            if panel["type"] == "row":
                continue
            where = f"{path.name} / {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, where
            assert panel["targets"], where
            assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), where
            for target in panel["targets"]:
                assert target["expr"].strip(), where


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_query_names_an_exported_metric(path, app_series, scrape_jobs):
    dashboard = load(path)
    found = {}
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            issues = problems(target["expr"], app_series, scrape_jobs)
            if issues:
                found[f"{panel['title']} [{target['refId']}]"] = issues
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable["type"] == "query":
            query = variable["query"]
            issues = label_values_problems(
                query["query"] if isinstance(query, dict) else query, app_series
            )
            if issues:
                found[f"variable {variable['name']}"] = issues
    assert found == {}


def test_dashboards_use_the_app_metrics_of_their_topic(app_series):
    text = {path.stem: path.read_text() for path in DASHBOARDS}
    for metric in (
        "landkontor_http_requests_total",
        "landkontor_http_request_duration_seconds_bucket",
        "landkontor_http_errors_total",
        "landkontor_http_requests_in_progress",
    ):
        assert metric in text["api-overview"], metric
    for metric in (
        "landkontor_jobs_failed_total",
        "landkontor_job_duration_seconds_bucket",
        "landkontor_job_queue_length",
        "landkontor_workers_online",
    ):
        assert metric in text["jobs"], metric
    for metric in (
        "landkontor_stock_value_eur",
        "landkontor_batches_with_stock",
        "landkontor_sales_orders_open",
    ):
        assert metric in text["business"], metric


def test_dashboard_provider_reads_the_folder_compose_mounts(compose):
    (provider,) = load_yaml(GRAFANA / "provisioning" / "dashboards" / "landkontor.yml")["providers"]
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


# The families of the issue (HTTP, job counters and histograms, job and business gauges).
ISSUE_FAMILIES = {
    "landkontor_http_requests_total": {"method", "route", "status_class"},
    "landkontor_http_request_duration_seconds_bucket": {"method", "route", "le"},
    "landkontor_http_requests_in_progress": {"method"},
    "landkontor_http_errors_total": {"problem_type"},
    **{
        f"landkontor_jobs_{event}_total": {"type", "queue"}
        for event in ("submitted", "started", "succeeded", "failed", "retried", "cancelled")
    },
    "landkontor_job_duration_seconds_bucket": {"type", "le"},
    "landkontor_job_queue_wait_seconds_bucket": {"type", "le"},
    "landkontor_job_queue_length": {"queue"},
    "landkontor_workers_online": set(),
    "landkontor_job_oldest_pending_age_seconds": set(),
    "landkontor_jobs_failed_last_24h": set(),
    "landkontor_stock_value_eur": set(),
    "landkontor_batches_with_stock": {"status"},
    "landkontor_sales_orders_open": set(),
}


def test_the_application_really_exports_the_families_of_the_issue(app_series):
    found = {
        name: set(app_series[name].labels - TARGET_LABELS)
        for name in ISSUE_FAMILIES
        if name in app_series
    }
    assert found == ISSUE_FAMILIES
    # Gauges computed at scrape time are on the API only; job histograms on the workers.
    assert app_series["landkontor_job_queue_length"].jobs == {"landkontor-api"}
    assert "landkontor-worker" in app_series["landkontor_job_duration_seconds_bucket"].jobs


# The checker itself: it must reject what the dashboards must not contain.
@pytest.mark.parametrize(
    ("expr", "complaint"),
    [
        ("rate(landkontor_no_such_metric_total[5m])", "exported by nothing"),
        ('landkontor_http_requests_total{colour="red"}', "no label"),
        ('landkontor_jobs_failed_total{queue="default", job_type="x"}', "no label"),
        ('landkontor_job_queue_length{job="landkontor-worker"}', "not served by job"),
        ("redis_up", 'job="redis"'),
        ('redis_up{job="postgres"}', 'job="redis"'),
        ('redis_made_up_metric{job="redis"}', "not a known redis"),
        ('up{job="nowhere"}', "not scraped"),
        ("sum(rate(x[5m]", "not valid PromQL"),
    ],
)
def test_the_query_check_rejects_unknown_metrics(expr, complaint, app_series, scrape_jobs):
    issues = problems(expr, app_series, scrape_jobs)
    assert any(complaint in issue for issue in issues), issues


def test_the_query_check_accepts_grafana_macros(app_series, scrape_jobs):
    expr = (
        "histogram_quantile(0.95, sum by (le) (rate("
        'landkontor_http_request_duration_seconds_bucket{job="landkontor-api"}[$__rate_interval])))'
    )
    assert problems(expr, app_series, scrape_jobs) == []
    assert label_values_problems("label_values(landkontor_jobs_failed_total, colour)", app_series)
