"""Every document of a period in one ZIP: the stored PDFs and e-invoices of the invoices and
credit notes issued in it, and the delivery notes of its deliveries.

Entries are named as the API names the files, in a folder per kind (Rechnungen/,
Gutschriften/, Lieferscheine/), and carry their document's date as time stamp, so the
archive of a period is the same bytes each time it is made.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.common.clock import business_date, end_of_business_day
from landkontor.common.lookup import fetch
from landkontor.db.session import settings_of
from landkontor.documents.service import (
    InvoiceDocumentKind,
    delivery_note_file,
    invoice_file_name,
    stored_documents,
)
from landkontor.sales.models import Delivery, Invoice, InvoiceKind

CHUNK = 50

Progress = Callable[[int, int], None]


def period_documents(
    session: Session, date_from: date, date_to: date
) -> tuple[list[int], list[int]]:
    """Ids of the invoices/credit notes and of the deliveries of the period, in order."""
    invoices = list(
        session.scalars(
            select(Invoice.id)
            .where(Invoice.invoice_date.between(date_from, date_to))
            .order_by(Invoice.invoice_date, Invoice.number)
        )
    )
    deliveries = list(
        session.scalars(
            select(Delivery.id)
            .where(
                Delivery.delivered_at
                > end_of_business_day(date_from - timedelta(days=1), settings_of(session)),
                Delivery.delivered_at <= end_of_business_day(date_to, settings_of(session)),
            )
            .order_by(Delivery.delivered_at, Delivery.id)
        )
    )
    return invoices, deliveries


def _entry(zf: zipfile.ZipFile, name: str, day: date, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, content)


def add_invoices(zf: zipfile.ZipFile, session: Session, invoice_ids: list[int]) -> None:
    for invoice in session.scalars(
        select(Invoice)
        .where(Invoice.id.in_(invoice_ids))
        .order_by(Invoice.invoice_date, Invoice.number)
    ):
        folder = "Gutschriften" if invoice.kind == InvoiceKind.credit_note else "Rechnungen"
        documents = stored_documents(session, invoice)
        for kind, content in (
            (InvoiceDocumentKind.pdf, documents.pdf),
            (InvoiceDocumentKind.xrechnung, documents.xrechnung_xml),
            (InvoiceDocumentKind.zugferd, documents.zugferd_pdf),
        ):
            _entry(
                zf, f"{folder}/{invoice_file_name(invoice, kind)}", invoice.invoice_date, content
            )


def add_delivery_notes(zf: zipfile.ZipFile, session: Session, delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        delivery = fetch(session, Delivery, delivery_id, kind="delivery")
        file = delivery_note_file(session, delivery_id)
        _entry(
            zf,
            f"Lieferscheine/{file.filename}",
            business_date(delivery.delivered_at, settings_of(session)),
            file.content,
        )


def build_archive(
    open_session: Callable[[], AbstractContextManager[Session]],
    invoice_ids: list[int],
    delivery_ids: list[int],
    progress: Progress,
) -> bytes:
    """The ZIP; each chunk of documents is read in its own short session."""
    buffer = io.BytesIO()
    total, done = len(invoice_ids) + len(delivery_ids), 0
    with zipfile.ZipFile(buffer, "w") as zf:
        for start in range(0, len(invoice_ids), CHUNK):
            with open_session() as session:
                add_invoices(zf, session, invoice_ids[start : start + CHUNK])
            done += len(invoice_ids[start : start + CHUNK])
            progress(done, total)
        for start in range(0, len(delivery_ids), CHUNK):
            with open_session() as session:
                add_delivery_notes(zf, session, delivery_ids[start : start + CHUNK])
            done += len(delivery_ids[start : start + CHUNK])
            progress(done, total)
    return buffer.getvalue()
