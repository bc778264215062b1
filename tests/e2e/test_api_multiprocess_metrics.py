"""`landkontor api --workers 2`: metrics of every server process in one /metrics answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def health_ok(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def counter(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture
def api_server(migrated_database, settings):
    port = free_port()
    command = ["api", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        [sys.executable, "-m", "landkontor.cli.main", *command],
        env={**os.environ, "LANDKONTOR_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    metrics_dir = Path(settings.run_dir) / "prometheus" / f"api-{server.pid}"
    try:
        wait_until(lambda: health_ok(base) or server.poll() is not None, what="API start")
        assert server.poll() is None, server.stderr.read().decode()
        yield base, metrics_dir
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()
    assert not metrics_dir.exists(), "the metric files are removed when the server stops"


def test_metrics_of_all_workers_add_up_and_dead_workers_are_marked(api_server):
    base, metrics_dir = api_server
    assert metrics_dir.is_dir()
    before = httpx.get(f"{base}/metrics").text
    requests = 40
    # A route the readiness polling does not touch, so no request is counted late.
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
    wait_until(lambda: health_ok(base), what="a worker to answer again")
    wait_until(
        lambda: (
            (httpx.get(f"{base}/metrics").status_code == 200)
            and not (metrics_dir / f"gauge_livesum_{victim}.db").exists()
        ),
        what="the dead worker's live gauge to be dropped",
    )
    after_kill = httpx.get(f"{base}/metrics").text
    # What the dead worker counted still counts.
    assert counter(after_kill, "landkontor_http_requests_total", **key) >= counter(
        text, "landkontor_http_requests_total", **key
    )
