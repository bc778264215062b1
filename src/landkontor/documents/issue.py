"""What sales calls, through its hook ``sales.invoice_documents``, when it issues an invoice
or credit note: render its documents once and store them with it. Registered at start-up
by :func:`register_invoice_documents`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from landkontor.documents.einvoice import embed_zugferd, render_cii
from landkontor.documents.invoice_view import InvoiceView, invoice_view
from landkontor.documents.invoices import render_invoice_pdf
from landkontor.documents.models import InvoiceDocument
from landkontor.sales import invoice_documents
from landkontor.sales.models import Invoice


@dataclass(frozen=True)
class RenderedInvoice:
    pdf: bytes
    zugferd_pdf: bytes
    xrechnung_xml: bytes


def render_invoice(view: InvoiceView) -> RenderedInvoice:
    """PDF, ZUGFeRD PDF/A-3 and XRechnung XML of one invoice; the same bytes every time."""
    pdf = render_invoice_pdf(view)
    zugferd_xml = render_cii(view, xrechnung=False)
    xrechnung_xml = render_cii(view, xrechnung=True)
    zugferd = embed_zugferd(
        pdf,
        zugferd_xml,
        title=view.title,
        author=view.company.legal_name,
        issued=view.invoice.invoice_date,
    )
    return RenderedInvoice(pdf=pdf, zugferd_pdf=zugferd, xrechnung_xml=xrechnung_xml)


def store_documents(session: Session, invoice: Invoice) -> InvoiceDocument:
    """Render the documents of a just issued invoice and store them in its transaction.

    Raises CompanyDataMissing (409) and DocumentInvalid (422); either rolls the issue back.
    """
    rendered = render_invoice(invoice_view(session, invoice))
    document = InvoiceDocument(
        invoice_id=invoice.id,
        pdf=rendered.pdf,
        zugferd_pdf=rendered.zugferd_pdf,
        xrechnung_xml=rendered.xrechnung_xml,
    )
    session.add(document)
    session.flush()
    return document


def register_invoice_documents() -> None:
    """Let sales store the documents of every invoice it issues (at a process's start-up;
    idempotent)."""
    invoice_documents.register(store_documents)
