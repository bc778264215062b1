"""Stock job types benchmark: an opening-stock import (posted row by row through the ledger),
the same file imported again (every balance found, nothing posted), then a ledger export,
a stock-level export and a valuation report of what it posted — through a real worker.

Needs a database of its own (it adds items, stock and ledger lines, which cannot be deleted)
and a Redis db of its own (it empties it):

    LANDKONTOR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test_jobs \
    LANDKONTOR_BROKER_URL=redis://127.0.0.1:6379/14 \
    .venv/bin/python benchmarks/stock_jobs.py --rows 20000

Prints one JSON line: seconds each job ran (its record's started → finished) and rows/s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: benchmarks.jobs must import

import landkontor.models  # noqa: E402, F401 - every mapper, for the services used here
from benchmarks.jobs import BIN, start, stop, wait_for  # noqa: E402
from landkontor.catalog import service as catalog  # noqa: E402
from landkontor.catalog.schemas import ItemCreate  # noqa: E402
from landkontor.db import migrate  # noqa: E402
from landkontor.db.session import get_database  # noqa: E402
from landkontor.inventory import locations  # noqa: E402
from landkontor.inventory.schemas import LocationCreate, WarehouseCreate  # noqa: E402
from landkontor.jobs import service  # noqa: E402
from landkontor.jobs.context import JobFileData  # noqa: E402
from landkontor.jobs.models import Job, JobStatus  # noqa: E402
from landkontor.settings import get_settings  # noqa: E402

ITEMS, PLACES = 500, 40


def master_data(tag: str) -> tuple[list[str], str, list[str]]:
    """Items (every second one batch-managed), a warehouse and its locations."""
    with get_database().session() as session:
        numbers = [f"{tag}-{n:04d}" for n in range(ITEMS)]
        for n, number in enumerate(numbers):
            catalog.create_item(
                session,
                ItemCreate(
                    item_no=number, name=f"Artikel {n}", base_unit="kg", batch_managed=n % 2 == 0
                ),
            )
        warehouse = locations.create_warehouse(session, WarehouseCreate(code=tag, name="Bench"))
        codes = [f"P{n:03d}" for n in range(PLACES)]
        for code in codes:
            locations.create_location(
                session, LocationCreate(warehouse_id=warehouse.id, code=code, name=code)
            )
    return numbers, tag, codes


def opening_file(rows: int, numbers: list[str], warehouse: str, places: list[str]) -> bytes:
    lines = ["item_no;warehouse;location;batch_no;best_before;quantity;unit;unit_cost"]
    for n in range(rows):
        item = n % ITEMS
        place = places[(n // ITEMS) % PLACES]
        batch = f"B{n:07d}" if item % 2 == 0 else ""
        lines.append(
            f"{numbers[item]};{warehouse};{place};{batch};;{n % 90 + 10};kg;0,{n % 90 + 10}"
        )
    return ("\n".join(lines) + "\n").encode()


def run(job_type: str, params: dict, upload: JobFileData | None = None) -> dict:
    database = get_database()
    with database.session() as session:
        job_id = service.submit(session, job_type, params, input_file=upload).id

    def finished() -> bool:
        with database.session() as session:
            return session.get(Job, job_id).status in (JobStatus.succeeded, JobStatus.failed)

    wait_for(finished, 3600, job_type)
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job.status == JobStatus.succeeded, (job.error_type, job.error_message)
        seconds = (job.finished_at - job.started_at).total_seconds()
        return {"seconds": round(seconds, 2), "result": job.result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="opening balances")
    args = parser.parse_args()
    rows = (args.rows // ITEMS) * ITEMS or ITEMS
    if rows > ITEMS * PLACES * 50:
        raise SystemExit("too many rows for the generated items and locations")

    settings = get_settings()
    database = get_database(settings)
    migrate.upgrade(database)
    redis.Redis.from_url(settings.broker_url).flushdb()
    logs = Path(tempfile.mkdtemp(prefix="landkontor-bench-"))
    tag = f"B{uuid.uuid4().hex[:6].upper()}"
    numbers, warehouse, places = master_data(tag)
    content = opening_file(rows, numbers, warehouse, places)
    upload = JobFileData("opening.csv", "text/csv", content)
    worker = start(
        [str(BIN / "landkontor"), "worker", "-c", "1", "-n", "stockbench@%h",
         "--queues", "default,imports,exports,reports", "-l", "WARNING"],
        logs / "worker.log",
    )  # fmt: skip
    try:
        conn = redis.Redis.from_url(settings.broker_url)
        wait_for(lambda: conn.keys("landkontor:worker:stockbench@*"), 60, "worker")
        posted = run("import.opening-stock", {"chunk_size": 500}, upload)
        assert posted["result"]["created"] == rows, posted["result"]
        again = run("import.opening-stock", {"chunk_size": 500}, upload)
        assert again["result"]["unchanged"] == rows, again["result"]
        with database.session() as session:
            warehouse_id = next(w.id for w in locations.list_warehouses(session) if w.code == tag)
        ledger = run("export.ledger", {"warehouse_id": warehouse_id})
        assert ledger["result"]["rows"] == rows
        levels = run("export.stock-levels", {"warehouse_id": warehouse_id, "format": "xlsx"})
        valuation = run("report.stock-valuation", {"warehouse_id": warehouse_id})
    finally:
        stop(worker)

    def rate(figures: dict) -> float:
        return round(rows / figures["seconds"]) if figures["seconds"] else 0

    print(
        json.dumps(
            {
                "database": database.dialect,
                "rows": rows,
                "opening_stock_seconds": posted["seconds"],
                "opening_stock_rows_per_second": rate(posted),
                "reimport_seconds": again["seconds"],
                "reimport_rows_per_second": rate(again),
                "ledger_export_csv_seconds": ledger["seconds"],
                "ledger_export_bytes": ledger["result"]["bytes"],
                "stock_levels_xlsx_seconds": levels["seconds"],
                "stock_levels_rows": levels["result"]["rows"],
                "valuation_pdf_seconds": valuation["seconds"],
                "valuation_total": str(Decimal(valuation["result"]["total_value"])),
            }
        )
    )


if __name__ == "__main__":
    main()
