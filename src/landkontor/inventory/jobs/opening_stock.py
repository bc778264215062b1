"""``import.opening-stock``: opening balances from a CSV/XLSX file, posted as stock receipts
by inventory.opening.post_opening_stock in chunks; each balance is posted once, however often
the file is imported or the job runs again."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from landkontor.auth.roles import Role
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError
from landkontor.inventory.opening import post_opening_stock
from landkontor.inventory.schemas import OpeningStockIn
from landkontor.jobs.context import JobContext
from landkontor.jobs.import_loop import (
    FileLayout,
    ImportSpec,
    retry_on_conflict,
    run_import,
    spreadsheet_cells,
)
from landkontor.jobs.registry import job_type

OPENING_COLUMNS = [
    "item_no",
    "warehouse",
    "location",
    "batch_no",
    "best_before",
    "quantity",
    "unit",
    "unit_cost",
]
OPENING_REQUIRED = ["item_no", "warehouse", "location", "quantity", "unit_cost"]


def opening_input(values: dict[str, Any]) -> dict[str, Any]:
    """One file row as OpeningStockIn input (numbers as codes, decimal commas, German and
    spreadsheet dates)."""
    return spreadsheet_cells(
        values,
        texts=("item_no", "warehouse", "location", "batch_no", "unit"),
        decimals=("quantity", "unit_cost"),
        dates=("best_before",),
    )


OPENING_FILE = FileLayout(known=OPENING_COLUMNS, required=OPENING_REQUIRED)


class ImportOpeningStockParams(InputModel):
    chunk_size: int = Field(200, ge=10, le=5000, description="Rows per transaction.")


def _balance_key(balance: OpeningStockIn) -> str:
    return "/".join((balance.item_no, balance.warehouse, balance.location, balance.batch_no or ""))


@job_type(
    "import.opening-stock",
    params=ImportOpeningStockParams,
    input_file=True,
    role=Role.manager,
    soft_time_limit=3600,
    check_input=OPENING_FILE.check_upload,
)
def import_opening_stock(ctx: JobContext, params: ImportOpeningStockParams) -> dict:
    """Post opening stock from a CSV/XLSX file as stock receipts; each balance once."""
    actor = ctx.submitted_by or "system"
    upload = ctx.input_file()

    def post(session: Session, balances: list[OpeningStockIn]) -> list[str | DomainError]:
        return post_opening_stock(session, balances, actor=actor, source=upload.filename)

    spec = ImportSpec(
        model=OpeningStockIn,
        key=_balance_key,
        apply=retry_on_conflict(post, "stock"),  # the same balance or batch posted meanwhile
        to_input=opening_input,
        chunk_size=params.chunk_size,
    )
    return run_import(ctx, OPENING_FILE.read(upload), spec, upload.filename)
