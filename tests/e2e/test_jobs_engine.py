"""The job engine end to end: API → broker → real worker processes → database.

Every test here runs on Redis and on RabbitMQ: ``client`` and ``worker`` below are those of
the ``job_broker`` parameter (tests/jobs_support.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.jobs_helpers import get_job, submit, wait_job


@pytest.fixture
def client(broker_client):
    return broker_client


@pytest.fixture
def worker(broker_worker):
    return broker_worker


def test_ping_round_trip_reports_progress_and_streams_events(client, clerk, worker):
    job = submit(client, clerk, "system.ping", {"message": "hallo"})
    assert job["status"] in ("queued", "running", "succeeded")
    events = []
    with client.stream("GET", f"/api/v1/jobs/{job['id']}/events", headers=clerk) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[len("data: ") :])))
                if event == "end":
                    break
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and set(kinds[:-1]) <= {"progress"}
    final = events[-1][1]
    assert final["status"] == "succeeded" and final["progress"] == 100
    assert final["result"]["pong"] == "hallo"
    assert final["result"]["worker"] == worker.nodename
    assert final["attempts"] == 1
    assert final["attempt_log"][0]["outcome"] == "succeeded"
    assert final["started_at"] >= final["created_at"]


def test_transient_errors_are_retried_until_success(client, clerk, worker):
    job = submit(client, clerk, "test.flaky", {"fail_times": 2})
    done = wait_job(client, clerk, job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"] == {"succeeded_on_attempt": 3}
    assert [a["outcome"] for a in done["attempt_log"]] == ["retry", "retry", "succeeded"]
    assert "supplier portal busy" in done["attempt_log"][0]["error_message"]
    assert done["error"] is None


def test_transient_errors_give_up_after_max_attempts(client, clerk, worker):
    job = submit(client, clerk, "test.flaky", {"fail_times": 10})
    done = wait_job(client, clerk, job["id"])
    assert done["status"] == "failed"
    assert done["attempts"] == done["max_attempts"] == 4
    assert done["error"]["type"] == "RetryableError"
    assert done["error"]["message"].startswith("gave up after 4 attempts")


def test_permanent_error_fails_at_once_with_the_reason(client, clerk, worker):
    job = submit(client, clerk, "test.invalid", {"quantity": -5})
    done = wait_job(client, clerk, job["id"])
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"] == {"type": "InvalidInput", "message": "quantity must be positive, got -5"}
    assert "Traceback" not in json.dumps(done)


def test_failed_job_can_be_retried(client, clerk, worker, db):
    job = submit(client, clerk, "test.invalid")
    wait_job(client, clerk, job["id"])
    response = client.post(f"/api/v1/jobs/{job['id']}/retry", headers=clerk)
    assert response.status_code == 202, response.text
    again = wait_job(client, clerk, job["id"])
    assert again["status"] == "failed" and again["attempts"] == 2
    assert [a["number"] for a in again["attempt_log"]] == [1, 2]


def test_export_items_downloads_as_csv_and_xlsx(client, manager, worker):
    for n in range(3):
        body = {
            "item_no": f"W-{n}",
            "name": f"Weizen {n}",
            "base_unit": "t",
            "reorder_point": "2.5",
        }
        assert client.post("/api/v1/items", json=body, headers=manager).status_code == 201

    job = client.post("/api/v1/exports", json={"type": "items"}, headers=manager).json()
    assert job["type"] == "export.items"
    done = wait_job(client, manager, job["id"])
    assert done["status"] == "succeeded", done
    assert done["result_url"] == f"/api/v1/jobs/{job['id']}/result"
    response = client.get(done["result_url"], headers=manager)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="items-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["item_no"] for r in rows] == ["W-0", "W-1", "W-2"]
    assert rows[0]["reorder_point"] == "2.5" and rows[0]["base_unit"] == "t"

    job = submit(client, manager, "export.items", {"format": "xlsx"})
    done = wait_job(client, manager, job["id"])
    response = client.get(done["result_url"], headers=manager)
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("item_no", "name", "base_unit")
    assert [v[0] for v in values[1:]] == ["W-0", "W-1", "W-2"]


def test_stats_count_jobs_and_see_the_worker(client, clerk, worker):
    ok = submit(client, clerk, "system.ping")
    bad = submit(client, clerk, "test.invalid")
    wait_job(client, clerk, ok["id"])
    wait_job(client, clerk, bad["id"])
    stats = client.get("/api/v1/jobs/stats", headers=clerk).json()
    assert stats["by_status"]["succeeded"] == 1 and stats["by_status"]["failed"] == 1
    assert stats["by_type"]["system.ping"] == {"succeeded": 1}
    assert stats["success_rate"] == 0.5
    assert stats["duration_seconds"]["system.ping"]["count"] == 1
    assert stats["duration_seconds"]["system.ping"]["p95"] >= 0
    assert stats["finished_last_hour"] == 2
    assert set(stats["queues"]) == {"default", "reports", "imports", "exports", "optimization"}
    assert stats["workers_online"] >= 1 and stats["broker"] == "ok"


def test_purge_job_type_deletes_old_finished_jobs(client, manager, worker, session):
    from datetime import timedelta

    from landkontor.db.types import utcnow
    from landkontor.jobs.models import Job

    old = submit(client, manager, "system.ping")
    wait_job(client, manager, old["id"])
    job = session.get(Job, old["id"])
    job.finished_at = utcnow() - timedelta(days=40)
    session.commit()
    session.close()
    purge = submit(client, manager, "maintenance.purge-jobs", {"older_than_days": 30})
    done = wait_job(client, manager, purge["id"])
    assert done["result"]["deleted"] == 1
    assert client.get(f"/api/v1/jobs/{old['id']}", headers=manager).status_code == 404
    assert get_job(client, manager, purge["id"])["status"] == "succeeded"
