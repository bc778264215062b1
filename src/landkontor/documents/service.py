"""Reading stored documents and rendering the others on request.

Invoices and credit notes are served from what was stored when they were issued; delivery
notes, purchase orders and production order papers are rendered from the current record
(they change while the document lives: a purchase order until it is placed, a production
order while it runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from landkontor.documents.delivery_notes import render_delivery_note
from landkontor.documents.models import InvoiceDocument
from landkontor.documents.production_orders import render_production_order
from landkontor.documents.purchase_orders import render_purchase_order
from landkontor.errors import NotFound
from landkontor.sales.invoicing import get_invoice
from landkontor.sales.models import Invoice, InvoiceKind

PDF, XML = "application/pdf", "application/xml"


class InvoiceDocumentKind(StrEnum):
    pdf = "pdf"
    zugferd = "zugferd"
    xrechnung = "xrechnung"


@dataclass(frozen=True)
class FileOut:
    content: bytes
    media_type: str
    filename: str


def invoice_file_name(invoice: Invoice, kind: InvoiceDocumentKind) -> str:
    """German file names: Rechnung_RE-2026-000123.pdf, Gutschrift_GS-…_ZUGFeRD.pdf, ….xml"""
    stem = ("Gutschrift_" if invoice.kind == InvoiceKind.credit_note else "Rechnung_") + (
        invoice.number
    )
    return {
        InvoiceDocumentKind.pdf: f"{stem}.pdf",
        InvoiceDocumentKind.zugferd: f"{stem}_ZUGFeRD.pdf",
        InvoiceDocumentKind.xrechnung: f"{stem}_XRechnung.xml",
    }[kind]


def stored_documents(session: Session, invoice: Invoice) -> InvoiceDocument:
    document = session.get(InvoiceDocument, invoice.id)
    if document is None:  # issued before documents were stored (migration 0009)
        raise NotFound(f"no documents are stored for {invoice.number}", kind="invoice-document")
    return document


def invoice_file(session: Session, invoice_id: int, kind: InvoiceDocumentKind) -> FileOut:
    """One stored document of an invoice or credit note; NotFound for an unknown id."""
    invoice = get_invoice(session, invoice_id)
    document = stored_documents(session, invoice)
    content, media_type = {
        InvoiceDocumentKind.pdf: (document.pdf, PDF),
        InvoiceDocumentKind.zugferd: (document.zugferd_pdf, PDF),
        InvoiceDocumentKind.xrechnung: (document.xrechnung_xml, XML),
    }[kind]
    return FileOut(content, media_type, invoice_file_name(invoice, kind))


def delivery_note_file(session: Session, delivery_id: int) -> FileOut:
    number, content = render_delivery_note(session, delivery_id)
    return FileOut(content, PDF, f"Lieferschein_{number}.pdf")


def purchase_order_file(session: Session, order_id: int) -> FileOut:
    number, content = render_purchase_order(session, order_id)
    return FileOut(content, PDF, f"Bestellung_{number}.pdf")


def production_order_file(session: Session, order_id: int) -> FileOut:
    number, content = render_production_order(session, order_id)
    return FileOut(content, PDF, f"Produktionsauftrag_{number}.pdf")
