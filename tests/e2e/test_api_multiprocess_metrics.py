"""`landkontor api --workers 2`: metrics of every server process in one /metrics answer."""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from tests.jobs_support import wait_until
from tests.metrics_support import parse_samples, running_api, sample

pytestmark = pytest.mark.slow


def counter(text: str, name: str, **labels: str) -> float:
    return sample(parse_samples(text), name, **labels) or 0.0


@pytest.fixture
def api_server(migrated_database, settings, tmp_path):
    with running_api(settings, tmp_path / "api.log") as server:
        yield server
    assert not server.metrics_dir.exists(), "the metric files are removed when the server stops"


def test_metrics_of_all_workers_add_up_and_dead_workers_are_marked(api_server):
    base, metrics_dir = api_server.base, api_server.metrics_dir
    assert metrics_dir.is_dir()
    before = httpx.get(f"{base}/metrics").text
    requests = 40
    with httpx.Client() as client:  # new connections spread over both processes
        for _ in range(requests):
            client.get(f"{base}/api/v1/users/me", headers={"Connection": "close"})
    text = httpx.get(f"{base}/metrics").text
    key = {"method": "GET", "route": "/api/v1/users/me", "status_class": "4xx"}
    counted = counter(text, "landkontor_http_requests_total", **key) - counter(
        before, "landkontor_http_requests_total", **key
    )
    assert counted == requests
    assert "landkontor_http_request_duration_seconds_bucket" in text
    assert "landkontor_http_requests_in_progress" in text

    live_files = sorted(metrics_dir.glob("gauge_livesum_*.db"))
    assert live_files, list(metrics_dir.iterdir())
    victim = int(live_files[0].stem.rsplit("_", 1)[1])
    os.kill(victim, signal.SIGKILL)  # a worker of the server this test started
    wait_until(api_server.healthy, 30, 0.2, "a worker to answer again")
    wait_until(
        lambda: (
            (httpx.get(f"{base}/metrics").status_code == 200)
            and not (metrics_dir / f"gauge_livesum_{victim}.db").exists()
        ),
        30,
        0.2,
        "the dead worker's live gauge to be dropped",
    )
    after_kill = httpx.get(f"{base}/metrics").text
    # What the dead worker counted still counts.
    assert counter(after_kill, "landkontor_http_requests_total", **key) >= counter(
        text, "landkontor_http_requests_total", **key
    )
