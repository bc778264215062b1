"""Item imports through the job engine: row validation, idempotency, cancellation."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from landkontor.catalog.models import Item, ItemUnit
from tests.jobs_helpers import items_csv, upload_import, wait_job
from tests.jobs_support import wait_until

BAD_ROWS = (
    "B-1,,kg,Futter,\n"  # row: name missing
    "B-2,Hafer,Fass,Futter,\n"  # unknown unit
    "A-000001,Doppelt,kg,Futter,\n"  # repeats an earlier row of the file
    "B-3,Gerste,kg,Futter,SACK:null\n"  # bad pack unit factor
    "B-4,Raps,kg,Futter,SACK25\n"  # pack unit without factor
)


def _count(session, model) -> int:
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.rollback()  # SQLite: end the (write-locking) transaction at once


def test_import_reports_bad_rows_and_imports_the_good_ones(client, manager, worker, session):
    job = upload_import(client, manager, items_csv(5, extra_rows=BAD_ROWS))
    assert job["type"] == "import.items" and job["queue"] == "imports"
    done = wait_job(client, manager, job["id"])
    assert done["status"] == "succeeded", done
    result = done["result"]
    assert result["rows"] == 10 and result["created"] == 5 and result["rejected"] == 5
    errors = {e["row"]: e for e in result["errors"]}
    assert sorted(errors) == [7, 8, 9, 10, 11]
    assert errors[7]["field"] == "name"
    assert errors[8]["field"] == "base_unit" and "Fass" in errors[8]["message"]
    assert "repeats row 3" in errors[9]["message"]
    assert errors[10]["field"].startswith("pack_units")
    assert errors[11]["field"] == "pack_units"
    assert _count(session, Item) == 5 and _count(session, ItemUnit) == 5
    item = client.get("/api/v1/items?q=A-000003", headers=manager).json()["items"][0]
    assert item["pack_units"][0]["factor"] == "25.0000"


def test_importing_the_same_file_again_creates_no_duplicates(client, manager, worker, session):
    content = items_csv(1200, delimiter=";")
    first = wait_job(client, manager, upload_import(client, manager, content)["id"])
    assert first["result"]["created"] == 1200 and first["result"]["rejected"] == 0
    second = wait_job(client, manager, upload_import(client, manager, content)["id"])
    assert second["status"] == "succeeded"
    assert second["result"]["created"] == 0 and second["result"]["unchanged"] == 1200
    assert _count(session, Item) == 1200 and _count(session, ItemUnit) == 1200

    changed = content.replace(b"Artikel 7;", b"Artikel sieben;")
    third = wait_job(client, manager, upload_import(client, manager, changed)["id"])
    assert third["result"]["updated"] == 1 and third["result"]["unchanged"] == 1199


def test_xlsx_import_with_spreadsheet_values(client, manager, worker):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Item No", "Name", "Base Unit", "Batch Managed", "Reorder Point", "Pack Units"])
    sheet.append([4711, "Weizen A", "t", "ja", 12.5, "BB:0,6:Big Bag"])
    sheet.append(["MF-1", "Milchleistungsfutter", "kg", False, 100, None])
    sheet.append(["MF-2", "Kälberfutter", "kg", "vielleicht", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload_import(client, manager, buffer.getvalue(), filename="artikel.xlsx")
    done = wait_job(client, manager, job["id"])
    assert done["result"]["created"] == 2, done["result"]
    assert [(e["row"], e["field"]) for e in done["result"]["errors"]] == [(4, "batch_managed")]
    item = client.get("/api/v1/items?q=4711", headers=manager).json()["items"][0]
    assert item["batch_managed"] is True and item["reorder_point"] == "12.5000"
    assert item["pack_units"][0]["factor"] == "0.6000"


def test_cancelling_a_running_import_leaves_only_whole_chunks(client, manager, worker, session):
    chunk = 200
    job = upload_import(client, manager, items_csv(30_000), params=f'{{"chunk_size": {chunk}}}')
    wait_until(
        lambda: client.get(f"/api/v1/jobs/{job['id']}", headers=manager).json()["progress"] > 0,
        60,
        message="import to make progress",
    )
    response = client.delete(f"/api/v1/jobs/{job['id']}", headers=manager)
    assert response.status_code in (200, 202), response.text
    done = wait_job(client, manager, job["id"])
    assert done["status"] == "cancelled", done
    imported = _count(session, Item)
    assert 0 < imported < 30_000
    assert imported % chunk == 0
    assert done["result"]["created"] == imported
    assert _count(session, ItemUnit) == imported
