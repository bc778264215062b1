"""Job types of production: ``report.batch-trace`` (a batch's backward and forward trace and
its recall report as PDF or XLSX, from production.trace) and ``optimization.material-shortages``
(components short for open production orders, from production.orders.shortages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item, Unit
from landkontor.common.bounds import BusinessDate, Id
from landkontor.common.lookup import fetch
from landkontor.common.schemas import InputModel
from landkontor.inventory import genealogy
from landkontor.inventory.genealogy import Direction
from landkontor.inventory.models import Batch, Warehouse
from landkontor.jobs.context import JobContext
from landkontor.jobs.pdf import PDF_TYPE, Section, number, sections_pdf
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import XLSX_TYPE, Sheet, write_xlsx_sheets
from landkontor.production.models import OrderStatus, ProductionOrder
from landkontor.production.orders import shortages
from landkontor.production.schemas import PartnerRef, RecallReportOut, TracedBatchOut, TraceOut
from landkontor.production.trace import recall_report, trace

# --- report.batch-trace ------------------------------------------------------------------


class BatchTraceParams(InputModel):
    batch_id: Id
    depth: int | None = Field(None, ge=1, le=genealogy.MAX_DEPTH, description="Default: all.")
    format: Literal["pdf", "xlsx"] = "pdf"


def _batch_exists(session: Session, params: BatchTraceParams) -> None:
    fetch(session, Batch, params.batch_id, kind="batch", field="params.batch_id")


BATCH_COLUMNS = [
    "depth",
    "batch_no",
    "item_no",
    "item_name",
    "status",
    "best_before",
    "origin",
    "supplier_no",
    "supplier_name",
]


def _number(partner: PartnerRef | None) -> str | None:
    return partner.number if partner else None


def _name(partner: PartnerRef | None) -> str | None:
    return partner.name if partner else None


def _batch_row(b: TracedBatchOut) -> list[Any]:
    return [
        b.depth,
        b.batch_no,
        b.item_no,
        b.item_name,
        b.status.value,
        b.best_before,
        b.origin,
        _number(b.supplier),
        _name(b.supplier),
    ]


class _Trace:
    """The three answers about one batch, laid out as tables (one per sheet or section)."""

    def __init__(
        self,
        backward: TraceOut,
        forward: TraceOut,
        recall: RecallReportOut,
        warehouses: dict[int, str],
    ) -> None:
        self.root = backward.batch
        self.backward, self.forward, self.recall = backward, forward, recall
        known = [self.root, *backward.batches, *forward.batches, *recall.affected_batches]
        self.batch_no = {b.batch_id: b.batch_no for b in known}
        self.item_no = {b.item_id: b.item_no for b in known}
        self.warehouses = warehouses

    def tables(self) -> list[tuple[str, str, list[str], list[list[Any]]]]:
        """(sheet title, heading, columns, rows) of every table."""
        bn, items = self.batch_no, self.item_no
        return [
            ("Charge", "Charge", BATCH_COLUMNS, [_batch_row(self.root)]),
            ("Rueckwaerts", "Rückwärts: Vorläufer", BATCH_COLUMNS, [
                _batch_row(b) for b in self.backward.batches
            ]),
            ("Wareneingaenge", "Rückwärts: Wareneingänge", [
                "batch_no", "receipt_no", "received_at", "supplier_no", "supplier_name",
                "quantity", "delivery_note_no",
            ], [
                [bn[r.batch_id], r.receipt_no, r.received_at, r.supplier.number,
                 r.supplier.name, r.quantity, r.delivery_note_no]
                for r in self.backward.receipts
            ]),
            ("Hergestellt", "Rückwärts: hergestellt durch", [
                "batch_no", "document_type", "document_id", "number",
            ], [
                [bn[m.batch_id], m.document_type, m.document_id, m.number]
                for m in self.backward.made_by
            ]),
            ("Vorwaerts", "Vorwärts: daraus hergestellt", BATCH_COLUMNS, [
                _batch_row(b) for b in self.forward.batches
            ]),
            ("Lieferungen", "Vorwärts: Lieferungen an Kunden", [
                "batch_no", "delivery_no", "delivered_at", "customer_no", "customer_name",
                "item_no", "quantity",
            ], [
                [bn[d.batch_id], d.delivery_no, d.delivered_at, d.customer.number,
                 d.customer.name, items[d.item_id], d.quantity]
                for d in self.forward.deliveries
            ]),
            ("Bestand", "Rückruf: Bestand betroffener Chargen", [
                "batch_no", "item_no", "warehouse", "location", "quantity",
            ], [
                [bn[s.batch_id], items[s.item_id], self.warehouses.get(s.warehouse_id),
                 s.location_code, s.quantity]
                for s in self.recall.stock
            ]),
            ("Kunden", "Rückruf: betroffene Kunden", [
                "customer_no", "customer_name", "item_no", "quantity",
            ], [
                [c.customer.number, c.customer.name, item_no, quantity]
                for c in self.recall.customers
                for item_no, quantity in sorted(c.quantities.items())
            ]),
        ]  # fmt: skip


def _pdf(report: _Trace, depth: int | None) -> bytes:
    root = report.root
    header = [
        f"Charge {root.batch_no} · Artikel {root.item_no} {root.item_name}",
        f"Status {root.status.value} · MHD {root.best_before or '—'} · Herkunft {root.origin}",
        f"Tiefe {depth or 'alle Stufen'} · {len(report.recall.affected_batches)} betroffene "
        f"Chargen · {len(report.recall.customers)} belieferte Kunden",
    ]
    sections = []
    for _, heading, columns, rows in report.tables()[1:]:
        numeric = [i for i, c in enumerate(columns) if c in ("quantity", "depth")]
        shown = [[number(v, 3) if isinstance(v, Decimal) else v for v in row] for row in rows]
        sections.append(Section(heading, columns, shown, numeric, empty="keine"))
    return sections_pdf("Chargenverfolgung", sections, header_lines=header, landscape_pages=True)


@job_type(
    "report.batch-trace",
    params=BatchTraceParams,
    soft_time_limit=300,
    check_params=_batch_exists,
)
def report_batch_trace(ctx: JobContext, params: BatchTraceParams) -> dict:
    """A batch traced back to suppliers and forward to customers, with its recall report."""
    with ctx.session() as session:
        backward = trace(session, params.batch_id, Direction.backward, params.depth)
    ctx.progress(30, message="traced backward")
    ctx.check_cancelled()
    with ctx.session() as session:
        forward = trace(session, params.batch_id, Direction.forward, params.depth)
    ctx.progress(60, message="traced forward")
    ctx.check_cancelled()
    with ctx.session() as session:
        recall = recall_report(session, params.batch_id)
        warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).tuples().all())
    ctx.progress(80, message="recall report")
    ctx.check_cancelled()
    report = _Trace(backward, forward, recall, warehouses)
    if params.format == "xlsx":
        sheets = [Sheet(title, columns, rows) for title, _, columns, rows in report.tables()]
        content, content_type = write_xlsx_sheets(sheets), XLSX_TYPE
    else:
        content, content_type = _pdf(report, params.depth), PDF_TYPE
    safe_no = "".join(c if c.isalnum() or c in "-_" else "_" for c in backward.batch.batch_no)
    filename = f"batch-trace-{safe_no}.{params.format}"
    ctx.attach_result(filename, content_type, content)
    return {
        "batch_id": params.batch_id,
        "batch_no": backward.batch.batch_no,
        "ancestors": len(backward.batches),
        "receipts": len(backward.receipts),
        "descendants": len(forward.batches),
        "deliveries": len(forward.deliveries),
        "customers": [c.customer.number for c in recall.customers],
        "stock_total": {k: str(v) for k, v in recall.stock_total.items()},
        "file": filename,
        "format": params.format,
    }


# --- optimization.material-shortages -------------------------------------------------------

ORDER_CHUNK = 50
Checked = Literal["planned", "released", "in_progress"]


def _planned_and_released() -> list[Checked]:
    return ["planned", "released"]


class MaterialShortageParams(InputModel):
    statuses: list[Checked] = Field(
        default_factory=_planned_and_released, min_length=1, max_length=3
    )
    warehouse_id: Id | None = None
    planned_until: BusinessDate | None = Field(
        None, description="Only orders planned up to this day (orders without a date count)."
    )


def _open_orders(session: Session, params: MaterialShortageParams) -> list[int]:
    stmt = (
        select(ProductionOrder.id)
        .where(ProductionOrder.status.in_([OrderStatus(s) for s in params.statuses]))
        .order_by(ProductionOrder.planned_date, ProductionOrder.id)
    )
    if params.warehouse_id is not None:
        stmt = stmt.where(ProductionOrder.warehouse_id == params.warehouse_id)
    if params.planned_until is not None:
        stmt = stmt.where(
            ProductionOrder.planned_date.is_(None)
            | (ProductionOrder.planned_date <= params.planned_until)
        )
    return list(session.scalars(stmt))


def _order_shortages(session: Session, order_ids: list[int]) -> list[dict[str, Any]]:
    orders = session.scalars(
        select(ProductionOrder)
        .where(ProductionOrder.id.in_(order_ids))
        .order_by(ProductionOrder.planned_date, ProductionOrder.id)
    ).all()
    found = [(order, shortages(session, order)) for order in orders]
    found = [(order, short) for order, short in found if short]
    item_ids = {s["item_id"] for _, short in found for s in short}
    items = {
        row.id: (row.item_no, row.unit)
        for row in session.execute(
            select(Item.id, Item.item_no, Unit.code.label("unit"))
            .join(Unit, Unit.id == Item.base_unit_id)
            .where(Item.id.in_(item_ids))
        )
    }
    warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).tuples().all())
    return [
        {
            "order_id": order.id,
            "number": order.number,
            "status": order.status.value,
            "item_no": order.item.item_no,
            "planned_quantity": f"{order.planned_quantity.normalize():f}",
            "planned_date": order.planned_date.isoformat() if order.planned_date else None,
            "warehouse_id": order.warehouse_id,
            "warehouse": warehouses.get(order.warehouse_id),
            "shortages": [
                {**s, "item_no": items[s["item_id"]][0], "unit": items[s["item_id"]][1]}
                for s in short
            ],
        }
        for order, short in found
    ]


@job_type("optimization.material-shortages", params=MaterialShortageParams, soft_time_limit=900)
def material_shortages(ctx: JobContext, params: MaterialShortageParams) -> dict:
    """Components that open production orders need and their warehouse does not have
    available (each order checked as its release would check it)."""
    with ctx.session() as session:
        order_ids = _open_orders(session, params)
    short: list[dict[str, Any]] = []
    for start in range(0, len(order_ids), ORDER_CHUNK):
        with ctx.session() as session:
            short += _order_shortages(session, order_ids[start : start + ORDER_CHUNK])
        done = min(start + ORDER_CHUNK, len(order_ids))
        ctx.progress(done, len(order_ids), f"{done} of {len(order_ids)} orders checked")
        ctx.check_cancelled()
    return {"orders_checked": len(order_ids), "orders_short": len(short), "orders": short}
