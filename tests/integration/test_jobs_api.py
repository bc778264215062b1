"""The jobs API without workers: validation before queueing, roles, cancel, retry, purge,
uploads, readiness and the scrape-time metrics collector."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from landkontor.api.app import create_app
from landkontor.db.types import utcnow
from landkontor.jobs.models import Job, JobStatus
from tests.helpers import assert_problem
from tests.jobs_helpers import items_csv, submit
from tests.jobs_support import RedisServer

# test.count-units runs on the optimization queue, which the tests' shared worker leaves
# alone: jobs of that type stay queued for as long as a test needs.
PARKED = "test.count-units"


def _jobs(session) -> int:
    try:
        return session.scalar(select(func.count()).select_from(Job))
    finally:
        session.rollback()


def test_unknown_type_is_422_and_nothing_is_stored(client, clerk, session):
    body = assert_problem(
        client.post("/api/v1/jobs", json={"type": "export.nothing"}, headers=clerk),
        422,
        "unknown-job-type",
        "type",
    )
    assert "system.ping" in body["detail"]
    assert _jobs(session) == 0


def test_invalid_params_are_named_and_nothing_is_stored(client, clerk, session):
    response = client.post(
        "/api/v1/jobs",
        json={"type": "system.ping", "params": {"message": "x" * 300, "extra": 1}},
        headers=clerk,
    )
    body = assert_problem(response, 422, "invalid-input")
    assert {e["field"] for e in body["errors"]} == {"params.message", "params.extra"}
    assert _jobs(session) == 0


def test_submitted_job_is_stored_and_queued(client, clerk, broker_url):
    job = submit(client, clerk, PARKED, {"rounds": 3})
    assert job["status"] == "queued" and job["queue"] == "optimization"
    assert job["submitted_by"] == "clerk-user" and job["attempts"] == 0
    assert job["max_attempts"] == 3 and job["params"] == {"rounds": 3}
    assert redis.Redis.from_url(broker_url).llen("optimization") >= 1


def test_roles_viewers_read_only_clerks_no_imports(client, viewer, clerk):
    assert_problem(
        client.post("/api/v1/jobs", json={"type": "system.ping"}, headers=viewer), 403, "forbidden"
    )
    assert client.get("/api/v1/jobs", headers=viewer).status_code == 200
    response = client.post(
        "/api/v1/imports",
        files={"file": ("items.csv", io.BytesIO(items_csv(2)), "text/csv")},
        headers=clerk,
    )
    assert_problem(response, 403, "forbidden")
    assert_problem(client.get("/api/v1/jobs"), 401)


def test_import_types_need_an_upload(client, manager):
    response = client.post("/api/v1/jobs", json={"type": "import.items"}, headers=manager)
    assert_problem(response, 422, field="file")


def test_idempotency_key_returns_the_first_job(client, clerk):
    first = submit(client, clerk, PARKED, idempotency_key="nightly-2026-11-28")
    again = submit(client, clerk, PARKED, idempotency_key="nightly-2026-11-28")
    assert again["id"] == first["id"]
    response = client.post(
        "/api/v1/jobs",
        json={"type": "system.ping", "idempotency_key": "nightly-2026-11-28"},
        headers=clerk,
    )
    assert_problem(response, 409, field="idempotency_key")


def test_list_filters_and_pages_newest_first(client, clerk, manager):
    ids = [submit(client, clerk, PARKED)["id"] for _ in range(3)]
    mine = submit(client, manager, PARKED)["id"]
    page = client.get("/api/v1/jobs?submitted_by=clerk-user&limit=2", headers=clerk).json()
    assert page["total"] == 3 and [j["id"] for j in page["items"]] == ids[::-1][:2]
    page = client.get(f"/api/v1/jobs?status=queued,pending&type={PARKED}", headers=clerk).json()
    assert page["total"] == 4 and page["items"][0]["id"] == mine
    assert_problem(client.get("/api/v1/jobs?status=done", headers=clerk), 422, field="status")
    assert_problem(client.get("/api/v1/jobs/no-such-job", headers=clerk), 404, "not-found")


def test_cancel_queued_job_then_409(client, clerk, manager, users):
    job = submit(client, clerk, PARKED)
    other = users.create("zweiter", "clerk")
    assert other
    response = client.delete(f"/api/v1/jobs/{job['id']}", headers=clerk)
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
    assert_problem(client.delete(f"/api/v1/jobs/{job['id']}", headers=clerk), 409, "job-finished")
    assert_problem(
        client.post(f"/api/v1/jobs/{submit(client, clerk, PARKED)['id']}/retry", headers=clerk),
        409,
        "job-not-retryable",
    )
    retried = client.post(f"/api/v1/jobs/{job['id']}/retry", headers=manager)
    assert retried.status_code == 202 and retried.json()["status"] == "queued"
    assert retried.json()["cancel_requested"] is False


def test_clerks_cannot_cancel_jobs_of_others(client, clerk, manager):
    job = submit(client, manager, PARKED)
    assert_problem(client.delete(f"/api/v1/jobs/{job['id']}", headers=clerk), 403, "forbidden")


def test_result_of_an_unfinished_job_is_409(client, clerk):
    job = submit(client, clerk, PARKED)
    response = client.get(f"/api/v1/jobs/{job['id']}/result", headers=clerk)
    assert_problem(response, 409, "job-has-no-result")


def test_purge_needs_a_manager_and_only_touches_old_finished_jobs(client, clerk, manager, session):
    old, recent, waiting = (submit(client, clerk, PARKED)["id"] for _ in range(3))
    for job_id in (old, recent):
        client.delete(f"/api/v1/jobs/{job_id}", headers=clerk)
    job = session.get(Job, old)
    job.finished_at = utcnow() - timedelta(days=10)
    session.get(Job, waiting).created_at = utcnow() - timedelta(days=10)
    session.commit()
    session.close()
    assert_problem(client.delete("/api/v1/jobs?older_than=7d", headers=clerk), 403)
    response = client.delete("/api/v1/jobs?older_than=7d&status=cancelled", headers=manager)
    assert response.status_code == 200 and response.json()["deleted"] == 1
    assert client.get(f"/api/v1/jobs/{old}", headers=manager).status_code == 404
    assert client.get(f"/api/v1/jobs/{recent}", headers=manager).status_code == 200
    assert_problem(
        client.delete("/api/v1/jobs?status=running", headers=manager), 422, field="status"
    )
    assert_problem(
        client.delete("/api/v1/jobs?older_than=soon", headers=manager), 422, field="older_than"
    )


def test_import_upload_is_checked_before_it_is_queued(client, manager, session, settings, db):
    def upload(content: bytes, name: str = "items.csv"):
        return client.post(
            "/api/v1/imports",
            files={"file": (name, io.BytesIO(content), "text/csv")},
            headers=manager,
        )

    body = assert_problem(upload(b"item_no,name,colour\nA,B,red\n"), 422, field="file")
    assert "base_unit" in body["detail"] and "colour" in body["detail"]
    assert_problem(upload(b"\x00\x01binary", "items.bin"), 422, field="file")
    assert_problem(upload(b"not a zip", "items.xlsx"), 422, field="file")
    response = client.post(
        "/api/v1/imports",
        files={"file": ("x.csv", io.BytesIO(items_csv(1)), "text/csv")},
        data={"type": "export.items"},
        headers=manager,
    )
    assert_problem(response, 422, field="type")
    assert _jobs(session) == 0

    small = settings.model_copy(update={"job_upload_max_bytes": 1024})
    with TestClient(create_app(small, db), raise_server_exceptions=False) as limited:
        response = limited.post(
            "/api/v1/imports",
            files={"file": ("big.csv", io.BytesIO(items_csv(100)), "text/csv")},
            headers=manager,
        )
    assert_problem(response, 413, "file-too-large")


def test_job_types_are_listed_with_their_parameters(client, viewer):
    types = {t["name"]: t for t in client.get("/api/v1/jobs/types", headers=viewer).json()}
    assert {"system.ping", "import.items", "export.items", "maintenance.purge-jobs"} <= set(types)
    assert types["import.items"]["queue"] == "imports" and types["import.items"]["input_file"]
    assert types["export.items"]["params_schema"]["properties"]["format"]["enum"] == ["csv", "xlsx"]


def test_ready_checks_the_broker(client, settings, db):
    assert client.get("/ready").json()["checks"]["broker"]["status"] == "ok"
    down = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(down, db), raise_server_exceptions=False) as broken:
        response = broken.get("/ready")
    assert response.status_code == 503 and response.json()["failed"] == ["broker"]


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()


def test_collector_reports_queues_workers_and_backlog(db, settings, session, own_redis):
    from landkontor.jobs import service
    from landkontor.jobs.metrics import JobsCollector

    own = settings.model_copy(update={"broker_url": own_redis.url})
    for _ in range(3):
        service.submit(session, "system.ping", {}, settings=own)
    failed = service.submit(session, "system.ping", {}, settings=own)
    failed.status, failed.finished_at = JobStatus.failed, utcnow()
    oldest = session.scalar(select(Job).where(Job.id != failed.id))
    oldest.created_at = utcnow() - timedelta(minutes=5)
    session.commit()
    session.close()
    redis.Redis.from_url(own_redis.url).set("landkontor:worker:w1@host", "{}")

    samples = {}
    for family in JobsCollector(own, db).collect():
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    assert samples[("landkontor_job_queue_length", (("queue", "default"),))] == 4
    assert samples[("landkontor_job_queue_length", (("queue", "imports"),))] == 0
    assert samples[("landkontor_workers_online", ())] == 1
    assert samples[("landkontor_jobs_failed_last_24h", ())] == 1
    assert 299 <= samples[("landkontor_job_oldest_pending_age_seconds", ())] < 400

    own_redis.stop()
    names = {f.name for f in JobsCollector(own, db).collect()}
    assert names == {"landkontor_job_oldest_pending_age_seconds", "landkontor_jobs_failed_last_24h"}
