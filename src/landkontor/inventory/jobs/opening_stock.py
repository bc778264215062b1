"""``import.opening-stock``: opening balances from a CSV/XLSX file, posted as stock receipts
by inventory.opening.post_opening_stock in chunks; each balance is posted once, however often
the file is imported or the job runs again."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.auth.roles import Role
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError
from landkontor.inventory.opening import post_opening_stock
from landkontor.inventory.schemas import OpeningStockIn
from landkontor.jobs.context import JobContext, JobFileData
from landkontor.jobs.errors import RetryableError
from landkontor.jobs.importing import ImportSpec, run_import, spreadsheet_cells
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import check_columns, read_table

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


def check_opening_file(upload: JobFileData) -> None:
    """Refuse at submit what cannot be an opening-stock file: not CSV/XLSX, wrong columns."""
    table = read_table(upload.filename, upload.content)
    check_columns(
        table.columns, required=OPENING_REQUIRED, known=OPENING_COLUMNS, filename=upload.filename
    )


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
    check_input=check_opening_file,
)
def import_opening_stock(ctx: JobContext, params: ImportOpeningStockParams) -> dict:
    """Post opening stock from a CSV/XLSX file as stock receipts; each balance once."""
    upload = ctx.input_file()
    table = read_table(upload.filename, upload.content)
    check_columns(
        table.columns, required=OPENING_REQUIRED, known=OPENING_COLUMNS, filename=upload.filename
    )
    actor = ctx.submitted_by or "system"

    def apply(session: Session, balances: list[OpeningStockIn]) -> list[str | DomainError]:
        try:
            return post_opening_stock(session, balances, actor=actor, source=upload.filename)
        except IntegrityError as exc:  # the same balance or batch posted concurrently
            raise RetryableError("stock changed concurrently; the chunk will be retried") from exc

    spec = ImportSpec(
        model=OpeningStockIn,
        key=_balance_key,
        apply=apply,
        to_input=opening_input,
        chunk_size=params.chunk_size,
    )
    return run_import(ctx, table, spec, upload.filename)
