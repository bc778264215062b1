"""``report.stock-valuation``: stock value per item (optionally per warehouse), now or at
the end of a business day, from inventory.queries.valuation, as PDF or XLSX."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item, Unit
from landkontor.common.bounds import BusinessDate, Id
from landkontor.common.clock import end_of_business_day
from landkontor.common.schemas import InputModel
from landkontor.db.types import utcnow
from landkontor.inventory import queries
from landkontor.inventory.models import Warehouse
from landkontor.jobs.context import JobContext
from landkontor.jobs.pdf import PDF_TYPE, Section, number, sections_pdf
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import XLSX_TYPE, write_xlsx


class ValuationReportParams(InputModel):
    format: Literal["pdf", "xlsx"] = "pdf"
    as_of: BusinessDate | None = Field(
        None, description="Value at the end of this business day; default: now."
    )
    by_warehouse: bool = Field(False, description="One row per item and warehouse.")
    item_id: Id | None = None
    warehouse_id: Id | None = None


VALUATION_COLUMNS = [
    "item_no",
    "item_name",
    "warehouse",
    "quantity",
    "unit",
    "average_cost",
    "value",
]


def _valuation_rows(
    session: Session, params: ValuationReportParams, as_of: datetime | None
) -> tuple[list[list[Any]], Decimal, str]:
    """The valued rows with item names, units and warehouse codes; the total; the scope."""
    valuation = queries.valuation(
        session,
        as_of=as_of,
        by_warehouse=params.by_warehouse,
        item_id=params.item_id,
        warehouse_id=params.warehouse_id,
    )
    items = {
        row.id: (row.name, row.unit)
        for row in session.execute(
            select(Item.id, Item.name, Unit.code.label("unit"))
            .join(Unit, Unit.id == Item.base_unit_id)
            .where(Item.id.in_({r.item_id for r in valuation.rows}))
        )
    }
    warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).tuples().all())
    scope = [
        f"Lager {warehouses.get(params.warehouse_id, params.warehouse_id)}"
        if params.warehouse_id
        else "alle Lager" + (", je Lager" if params.by_warehouse else ""),
    ]
    if params.item_id is not None:
        scope.append(f"nur Artikel {items[params.item_id][0]}" if params.item_id in items else "")
    rows = [
        [
            r.item_no,
            items[r.item_id][0],
            warehouses.get(r.warehouse_id) if r.warehouse_id else None,
            r.quantity,
            items[r.item_id][1],
            r.average_cost,
            r.value,
        ]
        for r in valuation.rows
    ]
    return rows, valuation.total_value, ", ".join(part for part in scope if part)


@job_type("report.stock-valuation", params=ValuationReportParams, soft_time_limit=900)
def report_stock_valuation(ctx: JobContext, params: ValuationReportParams) -> dict:
    """Stock value per item (optionally per warehouse), now or as of a day, as PDF or XLSX."""
    as_of = end_of_business_day(params.as_of, ctx.settings) if params.as_of else None
    with ctx.session() as session:
        rows, total, scope = _valuation_rows(session, params, as_of)
    ctx.progress(50, message=f"{len(rows)} rows valued")
    ctx.check_cancelled()
    moment = as_of or utcnow()
    stand = (
        f"Stichtag {params.as_of.isoformat()} (Tagesende, {ctx.settings.timezone})"
        if params.as_of
        else f"Stand {moment:%Y-%m-%d %H:%M} UTC"
    )
    if params.format == "xlsx":
        content = write_xlsx(
            VALUATION_COLUMNS, [*rows, [None, "total", None, None, None, None, total]], "Bewertung"
        )
        content_type = XLSX_TYPE
    else:
        content = sections_pdf(
            "Bestandsbewertung",
            [
                Section(
                    "",
                    ["Artikel", "Bezeichnung", "Lager", "Menge", "Einheit", "Ø Kosten", "Wert EUR"],
                    [
                        [no, name, wh, number(q, 3), unit, number(cost, 4), value]
                        for no, name, wh, q, unit, cost, value in rows
                    ]
                    + [["Summe", "", "", "", "", "", total]],
                    numeric_columns=[3, 5, 6],
                    empty="",
                )
            ],
            header_lines=[stand, scope, "Bewertung zum gleitenden Durchschnitt"],
        )
        content_type = PDF_TYPE
    filename = f"stock-valuation-{(params.as_of or moment.date()).isoformat()}.{params.format}"
    ctx.attach_result(filename, content_type, content)
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "by_warehouse": params.by_warehouse,
        "rows": len(rows),
        "total_value": str(total),
        "file": filename,
        "format": params.format,
    }
