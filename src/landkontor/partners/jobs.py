"""Job type of the partners: ``import.partners`` (customers and suppliers from CSV/XLSX).

A row with a ``customer_no`` is a customer, a row with a ``supplier_no`` a supplier; one file
may hold both. Rows are upserted by their number through partners.importing.upsert_partners,
so importing a file again creates nothing twice.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_core import PydanticUndefined

from landkontor.auth.roles import Role
from landkontor.common.schemas import InputModel
from landkontor.errors import InvalidInput
from landkontor.jobs.context import JobContext
from landkontor.jobs.import_loop import (
    FileLayout,
    ImportSpec,
    import_upload,
    retry_on_conflict,
    spreadsheet_cells,
)
from landkontor.jobs.registry import job_type
from landkontor.partners.importing import upsert_partners
from landkontor.partners.schemas import PartnerImportRow

PARTNER_COLUMNS = list(PartnerImportRow.model_fields)
NUMBER_COLUMNS = ("customer_no", "supplier_no")
_DECIMALS = ("cash_discount_percent", "discount_percent", "credit_limit")
_NOT_TEXT = (*_DECIMALS, "payment_days", "cash_discount_days", "blocked")
_TEXTS = tuple(c for c in PARTNER_COLUMNS if c not in _NOT_TEXT)
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


def _check_number_columns(columns: list[str], filename: str) -> None:
    if not any(c in columns for c in NUMBER_COLUMNS):
        raise InvalidInput(
            f"{filename}: needs a customer_no column (customers) or a supplier_no column "
            "(suppliers), or both",
            field="file",
        )


PARTNER_FILE = FileLayout(known=PARTNER_COLUMNS, required=["name"], check=_check_number_columns)


class ImportPartnersParams(InputModel):
    chunk_size: int = Field(500, ge=10, le=10_000, description="Rows per transaction.")


def _key(row: PartnerImportRow) -> str:
    return f"customer {row.customer_no}" if row.customer_no else f"supplier {row.supplier_no}"


@job_type(
    "import.partners",
    params=ImportPartnersParams,
    input_file=True,
    role=Role.manager,
    soft_time_limit=1800,
    check_input=PARTNER_FILE.check_upload,
)
def import_partners(ctx: JobContext, params: ImportPartnersParams) -> dict:
    """Create or update customers and suppliers from a CSV/XLSX file; bad rows are reported."""
    spec = ImportSpec(
        model=PartnerImportRow,
        key=_key,
        apply=retry_on_conflict(upsert_partners, "partners"),
        to_input=partner_input,
        chunk_size=params.chunk_size,
    )
    return import_upload(ctx, PARTNER_FILE, spec)
