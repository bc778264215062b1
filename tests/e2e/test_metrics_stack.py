"""A running stack exposes every metric family of the monitoring issue.

`landkontor api --workers 2` (multiprocess metrics) and a `landkontor worker` with its
metrics port, on a private Redis; after some API calls, business documents and jobs,
the API's /metrics and the worker's exporter together show the HTTP metrics, the job
counters and histograms, the job gauges and the business gauges.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.factories import Stock
from tests.jobs_helpers import get_job, submit, wait_job
from tests.jobs_support import RedisServer, free_port, wait_until
from tests.metrics_support import (
    family_names,
    parse_samples,
    running_api,
    sample,
    stock_orders_and_batches,
)
from tests.trade import Trade

pytestmark = pytest.mark.slow

API_FAMILIES = {
    "landkontor_http_requests",
    "landkontor_http_request_duration_seconds",
    "landkontor_http_requests_in_progress",
    "landkontor_http_errors",
    "landkontor_jobs_submitted",
    "landkontor_jobs_cancelled",
    "landkontor_job_queue_length",
    "landkontor_workers_online",
    "landkontor_job_oldest_pending_age_seconds",
    "landkontor_jobs_failed_last_24h",
    "landkontor_stock_value_eur",
    "landkontor_batches_with_stock",
    "landkontor_sales_orders_open",
}
WORKER_FAMILIES = {
    "landkontor_jobs_started",
    "landkontor_jobs_succeeded",
    "landkontor_jobs_failed",
    "landkontor_jobs_retried",
    "landkontor_job_duration_seconds",
    "landkontor_job_queue_wait_seconds",
}


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def stack(db, settings, private_redis, start_worker, tmp_path):
    env = {"LANDKONTOR_BROKER_URL": private_redis.url}
    with running_api(
        settings,
        tmp_path / "api.log",
        ready=False,
        LANDKONTOR_METRICS_BUSINESS_REFRESH_SECONDS="0",
        **env,
    ) as api:
        port = free_port()
        # No worker consumes "optimization": a job there stays pending.
        worker = start_worker(
            "--queues", "default,imports", "--metrics-port", str(port), broker=private_redis.url
        )
        try:
            api.wait_ready()
            with httpx.Client(base_url=api.base, timeout=30) as client:
                yield api, client, f"http://127.0.0.1:{port}/metrics"
        finally:
            worker.stop()


def scrape(url: str) -> str:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def test_a_running_stack_exposes_every_metric_family(stack, manager, clerk):
    api, client, worker_metrics = stack
    expected = stock_orders_and_batches(Stock(client, manager), Trade(client, manager, clerk))
    assert client.get("/api/v1/items/424242", headers=manager).status_code == 404

    ping = submit(client, clerk, "system.ping")
    flaky = submit(client, clerk, "test.flaky", {"fail_times": 1})
    invalid = submit(client, clerk, "test.invalid")
    waiting = submit(client, clerk, "test.count-units")
    dropped = submit(client, clerk, "test.count-units")
    assert client.delete(f"/api/v1/jobs/{dropped['id']}", headers=clerk).status_code == 200
    assert wait_job(client, clerk, ping["id"])["status"] == "succeeded"
    assert wait_job(client, clerk, flaky["id"])["status"] == "succeeded"
    assert wait_job(client, clerk, invalid["id"])["status"] == "failed"
    assert get_job(client, clerk, waiting["id"])["status"] == "queued"

    # Counted in whichever API process took the request, added up from their files.
    api_text = api.scrape()
    assert family_names(api_text) >= API_FAMILIES, API_FAMILIES - family_names(api_text)
    at_api = parse_samples(api_text)
    submitted = [v for (n, _), v in at_api.items() if n == "landkontor_jobs_submitted_total"]
    assert sum(submitted) == 5
    cancelled = {"type": "test.count-units", "queue": "optimization"}
    assert sample(at_api, "landkontor_jobs_cancelled_total", **cancelled) == 1
    assert sample(at_api, "landkontor_workers_online") == 1
    assert sample(at_api, "landkontor_job_queue_length", queue="optimization") >= 1
    assert sample(at_api, "landkontor_job_oldest_pending_age_seconds") > 0
    assert sample(at_api, "landkontor_jobs_failed_last_24h") == 1
    assert sample(at_api, "landkontor_stock_value_eur") == pytest.approx(expected["stock_value"])
    for status, count in expected["batches"].items():
        assert sample(at_api, "landkontor_batches_with_stock", status=status) == count
    assert sample(at_api, "landkontor_sales_orders_open") == expected["open_orders"]
    assert sample(at_api, "landkontor_http_errors_total", problem_type="not-found") >= 1

    # Recorded in the worker's pool processes, served by its exporter.
    def worker_counts() -> dict | None:
        samples = parse_samples(scrape(worker_metrics))
        total = {
            event: sum(v for (n, _), v in samples.items() if n == f"landkontor_jobs_{event}_total")
            for event in ("started", "succeeded", "failed", "retried")
        }
        return (
            samples if total == {"started": 4, "succeeded": 2, "failed": 1, "retried": 1} else None
        )

    at_worker = wait_until(worker_counts, 20, 0.2, "the worker's counters")
    assert family_names(scrape(worker_metrics)) >= WORKER_FAMILIES
    assert sample(at_worker, "landkontor_job_queue_wait_seconds_count", type="test.flaky") == 2
    assert (
        sample(at_worker, "landkontor_jobs_retried_total", type="test.flaky", queue="default") == 1
    )
