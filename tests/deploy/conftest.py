"""Paths and parsed files of the deployment set-up (docker-compose.yml, deploy/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def compose() -> dict:
    return load_yaml(ROOT / "docker-compose.yml")


@pytest.fixture(scope="session")
def prometheus_config() -> dict:
    return load_yaml(PROMETHEUS_DIR / "prometheus.yml")


@pytest.fixture(scope="session")
def scrape_jobs(prometheus_config) -> set[str]:
    return {job["job_name"] for job in prometheus_config["scrape_configs"]}


@pytest.fixture(scope="session")
def app_series(settings, migrated_database):
    """Every series the application really exports: what a real API application renders on
    /metrics (with the database and Redis of the tests behind its collectors) and what the
    workers serve."""
    from landkontor.api.app import create_app
    from tests.deploy.known_metrics import app_series

    app = create_app(settings, migrated_database)
    return app_series(app.state.metrics_registry)


@pytest.fixture
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus'; .ci/run installs it)")
    return path
