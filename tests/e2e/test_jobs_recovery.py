"""Nothing accepted is lost: broker outages, killed workers; and the worker's and Flower's
metrics. Each test here has its own broker (never the shared one), so it can stop it; the
outage and worker-loss tests run on Redis and on RabbitMQ."""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from landkontor.catalog.models import Item, ItemUnit
from landkontor.jobs.models import Job
from tests.jobs_helpers import get_job, items_csv, submit, upload_import, wait_job
from tests.jobs_support import BROKERS, free_port, wait_until

pytestmark = pytest.mark.slow


def _count(session, model) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.rollback()


@pytest.mark.parametrize("private", BROKERS, indirect=True)
def test_jobs_accepted_while_the_broker_is_down_run_when_it_is_back(private, users):
    clerk = users.headers("clerk")
    client = private.client
    private.broker.stop()
    waiting = submit(client, clerk, "system.ping", {"message": "trotz Ausfall"})
    cancelled = submit(client, clerk, "system.ping")
    assert waiting["status"] == cancelled["status"] == "pending"
    assert client.get("/ready").json()["failed"] == ["broker"]
    response = client.delete(f"/api/v1/jobs/{cancelled['id']}", headers=clerk)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"

    private.broker.start()
    queued = submit(client, clerk, "system.ping")
    assert queued["status"] == "queued"
    assert client.delete(f"/api/v1/jobs/{queued['id']}", headers=clerk).json()["status"] == (
        "cancelled"
    )
    private.process("beat")
    private.worker()
    done = wait_job(client, clerk, waiting["id"], timeout=30)
    assert done["status"] == "succeeded" and done["result"]["pong"] == "trotz Ausfall"
    # The queued message reached the worker, which dropped it: cancelled jobs never run.
    wait_until(private.queue_empty, 10, message="queue drained")
    for job_id in (cancelled["id"], queued["id"]):
        job = get_job(client, clerk, job_id)
        assert job["status"] == "cancelled" and job["attempts"] == 0 and job["attempt_log"] == []


@pytest.mark.parametrize("private", BROKERS, indirect=True)
def test_a_job_survives_its_worker_being_killed(private, manager, session):
    rows = 12_000
    client = private.client
    private.process("beat")
    first = private.worker("--queues", "default,imports", concurrency=1)
    job = upload_import(client, manager, items_csv(rows), params='{"chunk_size": 200}')
    wait_until(
        lambda: get_job(client, manager, job["id"])["progress"] > 0, 60, message="import running"
    )
    first.kill()
    assert get_job(client, manager, job["id"])["status"] == "running"
    private.worker("--queues", "default,imports", concurrency=1)
    done = wait_job(client, manager, job["id"], timeout=120)
    assert done["status"] == "succeeded", done
    assert [a["outcome"] for a in done["attempt_log"]] == ["lost", "succeeded"]
    assert "WorkerLost" in done["attempt_log"][0]["error_type"]
    result = done["result"]
    assert result["created"] + result["unchanged"] == rows and result["unchanged"] > 0
    assert _count(session, Item) == rows and _count(session, ItemUnit) == rows


def _scrape(url: str, auth: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _sample(text: str, name: str) -> float:
    values = [float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)]
    return sum(values)


def test_worker_metrics_count_every_pool_process(private, clerk, manager, session):
    port = free_port()
    private.worker("--queues", "default,imports", "--metrics-port", str(port), concurrency=2)
    # One pool process is kept busy with an import, so the pings must run in the other one.
    busy = upload_import(private.client, manager, items_csv(20_000), params='{"chunk_size": 100}')
    wait_until(
        lambda: get_job(private.client, manager, busy["id"])["progress"] > 0,
        60,
        message="import running",
    )
    jobs = [submit(private.client, clerk, "system.ping") for _ in range(6)]
    results = [wait_job(private.client, clerk, j["id"])["result"] for j in jobs]
    assert wait_job(private.client, manager, busy["id"], timeout=120)["status"] == "succeeded"
    import_pid = session.scalar(select(Job.worker_pid).where(Job.id == busy["id"]))
    ping_pids = {r["pid"] for r in results}
    assert len(ping_pids | {import_pid}) == 2, "both pool processes should have run jobs"
    status, text = _scrape(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    assert _sample(text, "landkontor_jobs_started_total") == 7
    assert _sample(text, "landkontor_jobs_succeeded_total") == 7
    assert 'landkontor_jobs_succeeded_total{queue="default",type="system.ping"} 6.0' in text
    assert 'landkontor_jobs_succeeded_total{queue="imports",type="import.items"} 1.0' in text
    assert _sample(text, "landkontor_job_duration_seconds_count") == 7
    assert _sample(text, "landkontor_job_queue_wait_seconds_count") == 7


def test_flower_needs_its_password_and_sees_the_workers(private, clerk):
    worker = private.worker()
    port = free_port()
    flower = private.process(
        "flower", "--port", str(port), LANDKONTOR_FLOWER_PASSWORD="flower-secret"
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return _scrape(base + "/healthcheck")[0] == 200
        except OSError:
            return False

    wait_until(up, 30, 0.2, "flower to start")
    job = submit(private.client, clerk, "system.ping")
    wait_job(private.client, clerk, job["id"])
    assert _scrape(base + "/api/workers")[0] == 401
    assert _scrape(base + "/api/workers", "flower:wrong")[0] == 401
    status, body = _scrape(base + "/api/workers?refresh=1", "flower:flower-secret")
    assert status == 200 and worker.nodename in body
    status, text = wait_until(
        lambda: (r := _scrape(base + "/metrics")) and "landkontor.run_job" in r[1] and r,
        20,
        0.5,
        "flower to see the task",
    )
    assert status == 200 and "flower_events_total" in text
    # The password reaches Flower through its environment, never its command line.
    assert b"flower-secret" not in Path(f"/proc/{flower.pid}/cmdline").read_bytes()
