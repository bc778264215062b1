"""Job type of the partners: ``import.partners`` (customers and suppliers from CSV/XLSX).

A row with a ``customer_no`` is a customer, a row with a ``supplier_no`` a supplier; one file
may hold both. Rows are upserted by their number through partners.importing.upsert_partners,
so importing a file again creates nothing twice.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_core import PydanticUndefined
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.auth.roles import Role
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError, InvalidInput
from landkontor.jobs.context import JobContext, JobFileData
from landkontor.jobs.errors import RetryableError
from landkontor.jobs.importing import ImportSpec, run_import, spreadsheet_cells
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import check_columns, read_table
from landkontor.partners.importing import upsert_partners
from landkontor.partners.schemas import PartnerImportRow

PARTNER_COLUMNS = [
    "customer_no",
    "supplier_no",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "payment_days",
    "cash_discount_percent",
    "cash_discount_days",
    "blocked",
    "blocked_reason",
    "customer_group",
    "price_list",
    "discount_percent",
    "credit_limit",
]
NUMBER_COLUMNS = ("customer_no", "supplier_no")
_TEXTS = (
    "customer_no",
    "supplier_no",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "blocked_reason",
    "customer_group",
    "price_list",
)
_DECIMALS = ("cash_discount_percent", "discount_percent", "credit_limit")
# What an empty cell means: the field's empty value (a term not set is inherited again).
_EMPTY = {
    name: None if field.default is PydanticUndefined else field.default
    for name, field in PartnerImportRow.model_fields.items()
}


def partner_input(values: dict[str, Any]) -> dict[str, Any]:
    """One file row as PartnerImportRow input: every column of the file is set, an empty
    cell to the field's empty value; numbers as text where codes are meant, decimal commas
    and ja/nein understood."""
    data = spreadsheet_cells(values, texts=_TEXTS, decimals=_DECIMALS, booleans=("blocked",))
    for name in values:
        data.setdefault(name, _EMPTY.get(name))
    return data


def _check_file_columns(columns: list[str], filename: str) -> None:
    check_columns(columns, required=["name"], known=PARTNER_COLUMNS, filename=filename)
    if not any(c in columns for c in NUMBER_COLUMNS):
        raise InvalidInput(
            f"{filename}: needs a customer_no column (customers) or a supplier_no column "
            "(suppliers), or both",
            field="file",
        )


def check_partner_file(upload: JobFileData) -> None:
    """Refuse at submit what cannot be a partner file: not CSV/XLSX, wrong columns."""
    _check_file_columns(read_table(upload.filename, upload.content).columns, upload.filename)


class ImportPartnersParams(InputModel):
    chunk_size: int = Field(500, ge=10, le=10_000, description="Rows per transaction.")


def _key(row: PartnerImportRow) -> str:
    return f"customer {row.customer_no}" if row.customer_no else f"supplier {row.supplier_no}"


def _apply(session: Session, rows: list[PartnerImportRow]) -> list[str | DomainError]:
    try:
        return upsert_partners(session, rows)
    except IntegrityError as exc:  # another import created the same partner meanwhile
        raise RetryableError("partners changed concurrently; the chunk will be retried") from exc


@job_type(
    "import.partners",
    params=ImportPartnersParams,
    input_file=True,
    role=Role.manager,
    soft_time_limit=1800,
    check_input=check_partner_file,
)
def import_partners(ctx: JobContext, params: ImportPartnersParams) -> dict:
    """Create or update customers and suppliers from a CSV/XLSX file; bad rows are reported."""
    upload = ctx.input_file()
    table = read_table(upload.filename, upload.content)
    _check_file_columns(table.columns, upload.filename)
    spec = ImportSpec(
        model=PartnerImportRow,
        key=_key,
        apply=_apply,
        to_input=partner_input,
        chunk_size=params.chunk_size,
    )
    return run_import(ctx, table, spec, upload.filename)
