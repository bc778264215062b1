"""The recall report (Rückrufbericht) of a batch as a file: PDF for the file and the
authorities, XLSX for working through the customer list.

Both show what ``production.trace.recall_report`` finds — the batch and every batch made
from it, their stock by warehouse and location, every customer who received any of it with
delivery numbers, dates and quantities — plus the customers' contact data (address,
e-mail). It is an internal paper and must be printable in a hurry, so it is a plain A4 page
without the letterhead (which needs the company's master data complete).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item
from landkontor.db.session import settings_of
from landkontor.documents import layout
from landkontor.documents.service import PDF, FileOut
from landkontor.inventory.locations import list_warehouses
from landkontor.jobs.tabular import Sheet, write_xlsx_sheets
from landkontor.partners.models import Customer
from landkontor.partners.service import customers_by_id
from landkontor.production.schemas import RecallReportOut
from landkontor.production.trace import recall_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH_STATUS = {"released": "freigegeben", "blocked": "gesperrt", "recalled": "zurückgerufen"}
BATCH_HEADER = ("Charge", "Art.-Nr.", "Artikel", "Stufe", "MHD", "Status", "Lieferant")
BATCH_WIDTHS = (0.2, 0.13, 0.25, 0.07, 0.11, 0.12, 0.12)
STOCK_HEADER = ("Charge", "Art.-Nr.", "Lager", "Lagerplatz", "Menge", "Einheit")
STOCK_WIDTHS = (0.24, 0.16, 0.14, 0.2, 0.16, 0.1)
DELIVERY_HEADER = ("Kunde", "Name", "Lieferschein", "Datum", "Charge", "Menge", "Einheit")
DELIVERY_WIDTHS = (0.1, 0.22, 0.16, 0.11, 0.2, 0.12, 0.09)
CONTACT_HEADER = ("Kunde", "Name", "Straße", "PLZ", "Ort", "Land", "E-Mail")
CONTACT_WIDTHS = (0.1, 0.22, 0.2, 0.08, 0.14, 0.06, 0.2)


@dataclass(frozen=True)
class RecallSheet:
    """The recall report with what a reader needs beside it: contacts, units, warehouses."""

    report: RecallReportOut
    customers: dict[int, Customer]  # by id: address and e-mail
    units: dict[int, str]  # base unit code by item id
    warehouses: dict[int, str]  # warehouse code by id
    made_at: datetime

    @property
    def batch_no(self) -> dict[int, str]:
        return {b.batch_id: b.batch_no for b in self.report.affected_batches}


def recall_sheet(session: Session, batch_id: int) -> RecallSheet:
    """The recall report of a batch with contacts, units and warehouses. NotFound."""
    report = recall_report(session, batch_id)
    item_ids = {b.item_id for b in report.affected_batches}
    return RecallSheet(
        report=report,
        customers=customers_by_id(session, [c.customer.id for c in report.customers]),
        units={i: get_item(session, i).base_unit.code for i in sorted(item_ids)},
        warehouses={w.id: w.code for w in list_warehouses(session)},
        made_at=datetime.now(UTC),
    )


def _stamp(sheet: RecallSheet, session: Session) -> str:
    zone = ZoneInfo(settings_of(session).timezone)
    return sheet.made_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def _batch_rows(sheet: RecallSheet) -> list[tuple[str, ...]]:
    return [
        (
            b.batch_no,
            b.item_no,
            b.item_name[:40],
            str(b.depth),
            layout.day(b.best_before),
            BATCH_STATUS.get(b.status.value, b.status.value),
            b.supplier.number if b.supplier else "",
        )
        for b in sheet.report.affected_batches
    ]


def _stock_rows(sheet: RecallSheet) -> list[tuple[str, str, str, str, Decimal, str]]:
    numbers = sheet.batch_no
    items = {b.item_id: b.item_no for b in sheet.report.affected_batches}
    return [
        (
            numbers.get(s.batch_id, ""),
            items.get(s.item_id, ""),
            sheet.warehouses.get(s.warehouse_id, ""),
            s.location_code,
            s.quantity,
            sheet.units.get(s.item_id, ""),
        )
        for s in sheet.report.stock
    ]


def _delivery_rows(
    sheet: RecallSheet, zone: ZoneInfo
) -> list[tuple[str, str, str, str, str, Decimal, str]]:
    numbers = sheet.batch_no
    return [
        (
            affected.customer.number,
            affected.customer.name,
            d.delivery_no,
            d.delivered_at.astimezone(zone).strftime("%d.%m.%Y"),
            numbers.get(d.batch_id, ""),
            d.quantity,
            sheet.units.get(d.item_id, ""),
        )
        for affected in sheet.report.customers
        for d in affected.deliveries
    ]


def _contact_rows(sheet: RecallSheet) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for affected in sheet.report.customers:
        customer = sheet.customers.get(affected.customer.id)
        if customer is None:
            continue
        rows.append(
            (
                customer.customer_no,
                customer.name,
                customer.street,
                customer.postal_code,
                customer.city,
                customer.country,
                customer.invoice_email or "",
            )
        )
    return rows


def recall_report_pdf(session: Session, batch_id: int) -> FileOut:
    """The recall report of a batch as PDF. NotFound."""
    sheet = recall_sheet(session, batch_id)
    zone = ZoneInfo(settings_of(session).timezone)
    root = sheet.report.batch
    s = layout.styles()
    title = f"Rückrufbericht Charge {root.batch_no}"
    story = [*layout.paragraphs([title], s["subject"])]
    story += layout.paragraphs(
        [
            f"Artikel {root.item_no} {root.item_name} · Status "
            f"{BATCH_STATUS.get(root.status.value, root.status.value)} · erstellt "
            f"{_stamp(sheet, session)}",
            "Bestand noch am Lager: "
            + (
                ", ".join(
                    f"{item_no}: {layout.number(q)}"
                    for item_no, q in sorted(sheet.report.stock_total.items())
                )
                or "keiner"
            ),
        ],
        s["body"],
    )
    story += [layout.gap(3), *layout.paragraphs(["Betroffene Chargen"], s["bold"])]
    story += layout.line_table(BATCH_HEADER, _batch_rows(sheet), BATCH_WIDTHS, right=(3,))
    stock = [(*r[:4], layout.number(r[4]), r[5]) for r in _stock_rows(sheet)]
    story += [layout.gap(3), *layout.paragraphs(["Bestand nach Lagerplatz"], s["bold"])]
    story += layout.line_table(
        STOCK_HEADER, stock or [_none(STOCK_HEADER, "keiner")], STOCK_WIDTHS, right=(4,)
    )
    deliveries = [(*r[:5], layout.number(r[5]), r[6]) for r in _delivery_rows(sheet, zone)]
    story += [layout.gap(3), *layout.paragraphs(["Lieferungen an Kunden"], s["bold"])]
    story += layout.line_table(
        DELIVERY_HEADER,
        deliveries or [_none(DELIVERY_HEADER, "keine")],
        DELIVERY_WIDTHS,
        right=(5,),
    )
    story += [layout.gap(3), *layout.paragraphs(["Kontaktdaten der Kunden"], s["bold"])]
    story += layout.line_table(
        CONTACT_HEADER, _contact_rows(sheet) or [_none(CONTACT_HEADER, "keine")], CONTACT_WIDTHS
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=layout.LEFT,
        rightMargin=layout.RIGHT,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        invariant=True,
    )
    document.build(story)
    return FileOut(buffer.getvalue(), PDF, f"Rueckruf_{_file_stem(root.batch_no)}.pdf")


def recall_report_xlsx(session: Session, batch_id: int) -> FileOut:
    """The recall report of a batch as an XLSX workbook, one sheet per part. NotFound."""
    sheet = recall_sheet(session, batch_id)
    zone = ZoneInfo(settings_of(session).timezone)
    content = write_xlsx_sheets(
        [
            Sheet("Chargen", BATCH_HEADER, _batch_rows(sheet)),
            Sheet("Bestand", STOCK_HEADER, _stock_rows(sheet)),
            Sheet("Lieferungen", DELIVERY_HEADER, _delivery_rows(sheet, zone)),
            Sheet("Kontakte", CONTACT_HEADER, _contact_rows(sheet)),
        ]
    )
    return FileOut(content, XLSX, f"Rueckruf_{_file_stem(sheet.report.batch.batch_no)}.xlsx")


def _file_stem(batch_no: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in batch_no)[:64]


def _none(header: tuple[str, ...], text: str) -> tuple[str, ...]:
    """A table's only row when it has nothing to list."""
    return (text, *([""] * (len(header) - 1)))
