"""``export.stock-levels`` and ``export.ledger``: CSV or XLSX files with the filters of
GET /stock/levels and GET /stock/ledger, read in batches with progress and cancel checks
between them; the file is attached only when it is complete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from landkontor.catalog.models import Item, Unit
from landkontor.common.bounds import Id, Timestamp
from landkontor.common.schemas import InputModel
from landkontor.errors import InvalidInput
from landkontor.inventory import queries
from landkontor.inventory.locations import get_location
from landkontor.inventory.models import (
    Batch,
    LedgerEntry,
    Location,
    MovementType,
    Warehouse,
)
from landkontor.inventory.schemas import Reference
from landkontor.jobs.context import JobContext
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import (
    XLSX_MAX_ROWS,
    write_table,
)

EXPORT_BATCH = 2000


def _check_location(session: Session, params: Any) -> None:
    """As the API: a location filter that does not exist is a bad parameter (422)."""
    if params.location_id is not None:
        get_location(session, params.location_id, field="params.location_id")


def _check_size(fmt: str, total: int) -> None:
    if fmt == "xlsx" and total >= XLSX_MAX_ROWS:
        raise InvalidInput(
            f"{total} rows do not fit into one XLSX sheet ({XLSX_MAX_ROWS - 1} at most); "
            "export as csv or narrow the filters",
            field="params.format",
        )


def _count(session: Session, stmt: Any) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


class StockLevelsExportParams(InputModel):
    format: Literal["csv", "xlsx"] = "csv"
    item_id: Id | None = None
    warehouse_id: Id | None = None
    location_id: Id | None = Field(None, description="Includes its sub-locations.")
    batch_id: Id | None = None
    include_zero: bool = False


LEVEL_COLUMNS = [
    "item_no",
    "item_name",
    "warehouse",
    "location",
    "batch_no",
    "best_before",
    "batch_status",
    "quantity",
    "unit",
]


@job_type(
    "export.stock-levels",
    params=StockLevelsExportParams,
    soft_time_limit=1800,
    check_params=_check_location,
)
def export_stock_levels(ctx: JobContext, params: StockLevelsExportParams) -> dict:
    """Stock levels as CSV or XLSX (filters as GET /stock/levels), read as one snapshot."""
    filters = params.model_dump(exclude={"format"})
    with ctx.session() as session:
        stmt = (
            queries.level_query(session, **filters)
            .join(Warehouse, Warehouse.id == Location.warehouse_id)
            .add_columns(Item.name.label("item_name"), Warehouse.code.label("warehouse"))
        )
        total = _count(session, stmt)
    _check_size(params.format, total)

    written = 0

    def rows() -> Iterator[list[Any]]:
        # One statement, streamed in batches: a consistent snapshot of the levels (a
        # transfer is never seen half), progress and the cancel check between batches.
        nonlocal written
        with ctx.session() as session:
            result = session.execute(stmt.execution_options(yield_per=EXPORT_BATCH))
            for batch in result.partitions():
                for r in batch:
                    status = r.batch_status.value if r.batch_status else None
                    yield [
                        r.item_no,
                        r.item_name,
                        r.warehouse,
                        r.location_code,
                        r.batch_no,
                        r.best_before,
                        status,
                        r.quantity,
                        r.unit,
                    ]
                written += len(batch)
                ctx.progress(written, total, f"{written} of {total} stock levels")
                ctx.check_cancelled()

    content, content_type = write_table(params.format, LEVEL_COLUMNS, rows(), sheet_title="Bestand")
    filename = f"stock-levels-{ctx.job_id[:8]}.{params.format}"
    ctx.attach_result(filename, content_type, content)
    return {"rows": written, "file": filename, "format": params.format, "bytes": len(content)}


class LedgerExportParams(InputModel):
    format: Literal["csv", "xlsx"] = "csv"
    item_id: Id | None = None
    warehouse_id: Id | None = None
    location_id: Id | None = Field(None, description="Includes its sub-locations.")
    batch_id: Id | None = None
    movement_id: Id | None = None
    movement_type: MovementType | None = None
    reference: Reference | None = None
    posted_from: Timestamp | None = None
    posted_to: Timestamp | None = None

    @model_validator(mode="after")
    def _period(self) -> LedgerExportParams:
        if self.posted_from and self.posted_to and self.posted_to < self.posted_from:
            raise ValueError("posted_to is before posted_from")
        return self


LEDGER_COLUMNS = [
    "line_id",
    "movement_id",
    "line_no",
    "posted_at",
    "movement_type",
    "reference",
    "document_type",
    "document_id",
    "item_no",
    "warehouse",
    "location",
    "batch_no",
    "quantity",
    "unit",
    "unit_cost",
    "value",
    "entered_quantity",
    "entered_unit",
    "posted_by",
]


def _ledger_row(r: Any) -> list[Any]:
    line: LedgerEntry = r[0]
    return [
        line.id,
        line.movement_id,
        line.line_no,
        line.posted_at,
        r.movement_type.value,
        r.reference,
        r.document_type,
        r.document_id,
        r.item_no,
        r.warehouse,
        r.location,
        r.batch_no,
        line.quantity,
        r.unit,
        line.unit_cost,
        line.value,
        line.entered_quantity,
        line.entered_unit,
        r.posted_by,
    ]


@job_type(
    "export.ledger", params=LedgerExportParams, soft_time_limit=3600, check_params=_check_location
)
def export_ledger(ctx: JobContext, params: LedgerExportParams) -> dict:
    """Ledger lines as CSV or XLSX in posting order (filters as GET /stock/ledger), read in
    keyset batches up to the last line posted when the export started."""
    filters = params.model_dump(exclude={"format"})
    place = aliased(Location)
    with ctx.session() as session:
        stmt = (
            queries.ledger_query(session, **filters)
            .join(Item, Item.id == LedgerEntry.item_id)
            .join(Unit, Unit.id == Item.base_unit_id)
            .join(place, place.id == LedgerEntry.location_id)
            .join(Warehouse, Warehouse.id == place.warehouse_id)
            .outerjoin(Batch, Batch.id == LedgerEntry.batch_id)
            .add_columns(
                Item.item_no,
                Unit.code.label("unit"),
                place.code.label("location"),
                Warehouse.code.label("warehouse"),
                Batch.batch_no,
            )
        )
        # The ledger only grows: lines up to this id are the export's fixed snapshot.
        last_line = session.scalar(select(func.max(LedgerEntry.id))) or 0
        stmt = stmt.where(LedgerEntry.id <= last_line).order_by(None).order_by(LedgerEntry.id)
        total = _count(session, stmt)
    _check_size(params.format, total)

    def rows() -> Iterator[list[Any]]:
        done, after = 0, 0
        while True:
            # Each batch in its own short transaction.
            with ctx.session() as session:
                batch = session.execute(
                    stmt.where(LedgerEntry.id > after).limit(EXPORT_BATCH)
                ).all()
            if not batch:
                return
            for r in batch:
                yield _ledger_row(r)
            after = batch[-1][0].id
            done += len(batch)
            ctx.progress(done, total, f"{done} of {total} ledger lines")
            ctx.check_cancelled()

    content, content_type = write_table(
        params.format, LEDGER_COLUMNS, rows(), sheet_title="Journal"
    )
    filename = f"ledger-{ctx.job_id[:8]}.{params.format}"
    ctx.attach_result(filename, content_type, content)
    return {
        "rows": total,
        "last_line_id": last_line,
        "file": filename,
        "format": params.format,
        "bytes": len(content),
    }
