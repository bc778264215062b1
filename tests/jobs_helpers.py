"""Helpers for job tests: submitting through the API, waiting for a job, item files."""

from __future__ import annotations

import io

from tests.jobs_support import wait_until

FINISHED = {"succeeded", "failed", "cancelled"}


def submit(client, headers, job_type: str, params: dict | None = None, **extra) -> dict:
    body = {"type": job_type, "params": params or {}, **extra}
    response = client.post("/api/v1/jobs", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()


def get_job(client, headers, job_id: str) -> dict:
    response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def wait_job(client, headers, job_id: str, statuses=FINISHED, timeout: float = 60) -> dict:
    def reached():
        job = get_job(client, headers, job_id)
        return job if job["status"] in statuses else None

    return wait_until(reached, timeout, 0.1, f"job {job_id} to reach {statuses}")


def items_csv(count: int, *, start: int = 0, delimiter: str = ",", extra_rows: str = "") -> bytes:
    lines = [delimiter.join(["item_no", "name", "base_unit", "item_group", "pack_units"])]
    for n in range(start, start + count):
        lines.append(delimiter.join([f"A-{n:06d}", f"Artikel {n}", "kg", "Futter", "SACK25:25"]))
    return ("\n".join(lines) + "\n" + extra_rows).encode()


def upload_import(client, headers, content: bytes, filename: str = "items.csv", **form) -> dict:
    response = client.post(
        "/api/v1/imports",
        files={"file": (filename, io.BytesIO(content), "text/csv")},
        data={"type": "items", **form},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    return response.json()
