"""Helpers for job tests: submitting through the API, waiting for a job, item files."""

from __future__ import annotations

import io
from decimal import Decimal

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


def run_job(client, headers, job_type: str, params: dict | None = None, **extra) -> dict:
    """Submit a job and wait until it has finished; assert it succeeded."""
    done = wait_job(client, headers, submit(client, headers, job_type, params, **extra)["id"])
    assert done["status"] == "succeeded", done
    return done


def result_file(client, headers, job: dict) -> tuple[bytes, str]:
    """The job's result file: (content, content type)."""
    assert job["result_url"] == f"/api/v1/jobs/{job['id']}/result", job
    response = client.get(job["result_url"], headers=headers)
    assert response.status_code == 200, response.text
    return response.content, response.headers["content-type"]


def csv_records(content: bytes) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _cell(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))  # the decimal it was written as
    return value


def xlsx_records(content: bytes, sheet: str | None = None) -> list[dict]:
    """The rows of a sheet (default: the first) as dicts by the header row; numbers as
    Decimal."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = list((workbook[sheet] if sheet else workbook.worksheets[0]).iter_rows(values_only=True))
    header = rows[0]
    # Read-only sheets leave out empty cells at the end of a row.
    return [
        {h: _cell(row[i]) if i < len(row) else None for i, h in enumerate(header)}
        for row in rows[1:]
    ]


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf), after checking it is one."""
    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
