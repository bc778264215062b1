"""Prometheus, alert rules and Alertmanager: promtool's checks and rule unit tests, and the
alert expressions name real metrics."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY, PROMETHEUS_DIR, load_yaml
from tests.deploy.promql import problems

SECRET_TOKEN_FILE = "/run/secrets/metrics_token"


def run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_check_config(promtool, tmp_path):
    # The token file is a compose secret that exists only in the container; a copy of the
    # folder with the path pointed at a local file lets promtool check everything else too.
    copy = tmp_path / "prometheus"
    shutil.copytree(PROMETHEUS_DIR, copy)
    token = tmp_path / "metrics_token"
    token.write_text("token-for-the-check\n")
    config = copy / "prometheus.yml"
    text = config.read_text()
    assert SECRET_TOKEN_FILE in text
    config.write_text(text.replace(SECRET_TOKEN_FILE, str(token)))
    result = run([promtool, "check", "config", str(config)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alerts.yml" in result.stdout  # the rule file was found and checked with it


def test_promtool_check_rules(promtool):
    result = run([promtool, "check", "rules", str(PROMETHEUS_DIR / "alerts.yml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_unit_tests(promtool):
    tests = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
    assert tests
    result = run([promtool, "test", "rules", *map(str, tests)])
    assert result.returncode == 0, result.stdout + result.stderr


def alert_rules() -> list[dict]:
    groups = load_yaml(PROMETHEUS_DIR / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


REQUIRED_ALERTS = {
    "LandkontorApiDown",
    "LandkontorApiHighErrorRate",
    "LandkontorApiSlow",
    "LandkontorWorkerDown",
    "LandkontorJobFailureRate",
    "LandkontorJobQueueBacklog",
    "LandkontorJobPendingTooLong",
    "RedisDown",
    "RedisMemoryHigh",
    "RedisEvictionPolicyNotNoeviction",
    "PostgresDown",
    "DiskAlmostFull",
}


def test_the_required_alerts_exist_with_severity_and_text():
    rules = {rule["alert"]: rule for rule in alert_rules()}
    assert set(rules) >= REQUIRED_ALERTS
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name


def test_every_alert_has_a_unit_test():
    tested = set()
    for path in (PROMETHEUS_DIR / "tests").glob("*.yml"):
        for case in load_yaml(path)["tests"]:
            tested |= {check["alertname"] for check in case.get("alert_rule_test", [])}
    assert {rule["alert"] for rule in alert_rules()} <= tested


def test_alert_expressions_name_real_metrics(app_series, scrape_jobs):
    found = {
        rule["alert"]: problems(rule["expr"], app_series, scrape_jobs) for rule in alert_rules()
    }
    assert {name: issues for name, issues in found.items() if issues} == {}


def test_rule_tests_feed_series_that_really_exist(app_series, scrape_jobs):
    # A rule test fed with a made-up name or label would pass while the alert never fires.
    found = {}
    for path in (PROMETHEUS_DIR / "tests").glob("*.yml"):
        for case in load_yaml(path)["tests"]:
            for series in case.get("input_series", []):
                if issues := problems(series["series"], app_series, scrape_jobs):
                    found[series["series"]] = issues
    assert found == {}


def test_scrape_jobs_cover_the_stack(prometheus_config, scrape_jobs):
    assert {"landkontor-api", "landkontor-worker", "flower", "redis", "postgres", "node"} <= (
        scrape_jobs
    )
    jobs = {job["job_name"]: job for job in prometheus_config["scrape_configs"]}
    api = jobs["landkontor-api"]
    assert api["authorization"] == {"type": "Bearer", "credentials_file": SECRET_TOKEN_FILE}
    # Every replica of a scalable service is found through DNS.
    for name, port in (("landkontor-api", 8000), ("landkontor-worker", 9808)):
        (sd,) = jobs[name]["dns_sd_configs"]
        assert sd["type"] == "A" and sd["port"] == port
    assert prometheus_config["rule_files"] == ["alerts.yml"]


# --- Alertmanager --------------------------------------------------------------------------


def alertmanager_config() -> dict:
    return load_yaml(DEPLOY / "alertmanager" / "alertmanager.yml")


def routed_receivers(route: dict) -> set[str]:
    names = {route["receiver"]} if "receiver" in route else set()
    for child in route.get("routes", []):
        names |= routed_receivers(child)
    return names


def test_alertmanager_routes_to_a_webhook_and_email():
    config = alertmanager_config()
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    assert routed_receivers(config["route"]) <= set(receivers)
    kinds = {kind for receiver in receivers.values() for kind in receiver if kind != "name"}
    assert {"webhook_configs", "email_configs"} <= kinds
    critical = [r for r in config["route"]["routes"] if r["matchers"] == ['severity="critical"']]
    assert "email_configs" in receivers[critical[0]["receiver"]]
    text = (DEPLOY / "alertmanager" / "alertmanager.yml").read_text()
    assert "smtp_auth_password:" not in text  # only the _file variant: no secret committed
    assert config["global"]["smtp_auth_password_file"].startswith("/run/secrets/")


def amtool_version(amtool: str) -> tuple[int, ...]:
    output = run([amtool, "--version"]).stdout + run([amtool, "--version"]).stderr
    match = re.search(r"version (\d+)\.(\d+)", output)
    return tuple(map(int, match.groups())) if match else (0,)


def test_amtool_check_config():
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool is not installed (Debian package 'prometheus-alertmanager')")
    if amtool_version(amtool) < (0, 26):
        pytest.skip("amtool older than 0.26 does not know webhook url_file")
    result = run([amtool, "check-config", str(DEPLOY / "alertmanager" / "alertmanager.yml")])
    assert result.returncode == 0, result.stdout + result.stderr
