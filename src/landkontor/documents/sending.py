"""Invoices by e-mail: a request records the sending and queues a job; the job e-mails the
document in the customer's preferred format to its invoice address.

Rules: the customer needs an e-mail address for invoices (409 ``no-invoice-address``) and
SMTP must be configured (409 ``mail-not-configured``); an invoice that was sent, or whose
sending is still queued, is sent again only with ``resend`` (409 ``already-sent``). The
invoice row is locked while a sending is requested, so two requests at once make one.
The Message-ID is made with the request and stored, so a job that is run again after a lost
worker sends the same message (recipients' servers can tell it is a duplicate). Transient
SMTP failures (connection, 4xx) are retried by the job engine with backoff; a refusal (5xx)
fails the sending at once with the server's answer.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.common.lookup import fetch
from landkontor.common.mail import smtp_connection
from landkontor.company.service import invoicing_company
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.documents.errors import AlreadySent, MailNotConfigured, NoInvoiceAddress
from landkontor.documents.models import InvoiceSending, SendingStatus
from landkontor.documents.service import (
    InvoiceDocumentKind,
    invoice_file_name,
    stored_documents,
)
from landkontor.jobs.service import Submitter, submit
from landkontor.partners.models import Customer, InvoiceFormat
from landkontor.sales.invoicing import get_invoice
from landkontor.sales.models import Invoice, InvoiceKind
from landkontor.settings import Settings

SEND_JOB = "documents.send-invoice"
SMTP_TIMEOUT = 30.0


def sendings_of(session: Session, invoice_id: int) -> list[InvoiceSending]:
    return list(
        session.scalars(
            select(InvoiceSending)
            .where(InvoiceSending.invoice_id == invoice_id)
            .order_by(InvoiceSending.id)
        )
    )


def sendings_of_invoice(session: Session, invoice_id: int) -> list[InvoiceSending]:
    """The e-mails of an invoice, oldest first; NotFound for an unknown invoice."""
    get_invoice(session, invoice_id)
    return sendings_of(session, invoice_id)


@use_case
def send_invoice(
    session: Session,
    invoice_id: int,
    *,
    resend: bool,
    submitter: Submitter,
    settings: Settings,
) -> InvoiceSending:
    """Record that the invoice is to be e-mailed and queue the job that sends it, in one
    transaction; returns the sending (status queued).

    Raises NotFound, NoInvoiceAddress, MailNotConfigured, AlreadySent (409).
    """
    requested_by = submitter.username or "system"
    sending = _record_sending(session, invoice_id, resend, requested_by, settings)
    job = submit(
        session, SEND_JOB, {"sending_id": sending.id}, submitter=submitter, settings=settings
    )
    sending.job_id = job.id
    session.flush()
    return sending


def _record_sending(
    session: Session, invoice_id: int, resend: bool, requested_by: str, settings: Settings
) -> InvoiceSending:
    invoice = get_invoice(session, invoice_id, lock=True)
    stored_documents(session, invoice)
    customer = fetch(session, Customer, invoice.customer_id, kind="customer")
    if not customer.invoice_email:
        raise NoInvoiceAddress(
            f"customer {customer.customer_no} has no e-mail address for invoices",
            field="customer.invoice_email",
        )
    if not settings.smtp_host:
        raise MailNotConfigured("no SMTP server is configured (LANDKONTOR_SMTP_HOST)")
    earlier = [s for s in sendings_of(session, invoice.id) if s.status != SendingStatus.failed]
    if earlier and not resend:
        last = earlier[-1]
        raise AlreadySent(
            f"{invoice.number} was {last.status.value} for {last.recipient} at "
            f"{last.requested_at:%Y-%m-%d %H:%M} UTC; send it again with resend=true",
            field="resend",
            sending_id=last.id,
        )
    company = invoicing_company(session)
    domain = company.email.rsplit("@", 1)[-1] if "@" in company.email else None
    sending = InvoiceSending(
        invoice_id=invoice.id,
        status=SendingStatus.queued,
        invoice_format=customer.invoice_format,
        recipient=customer.invoice_email,
        message_id=make_msgid(idstring=invoice.number, domain=domain),
        requested_by=requested_by,
    )
    session.add(sending)
    session.flush()
    return sending


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


def _attachment(invoice: Invoice, session: Session, fmt: InvoiceFormat) -> Attachment:
    documents = stored_documents(session, invoice)
    kind = InvoiceDocumentKind(fmt.value)
    content, maintype, subtype = {
        InvoiceDocumentKind.pdf: (documents.pdf, "application", "pdf"),
        InvoiceDocumentKind.zugferd: (documents.zugferd_pdf, "application", "pdf"),
        InvoiceDocumentKind.xrechnung: (documents.xrechnung_xml, "application", "xml"),
    }[kind]
    return Attachment(invoice_file_name(invoice, kind), content, maintype, subtype)


def build_message(session: Session, sending: InvoiceSending) -> EmailMessage:
    """The e-mail of a sending: a short German letter with the document attached."""
    invoice = get_invoice(session, sending.invoice_id)
    company = invoicing_company(session)
    what = "Gutschrift" if invoice.kind == InvoiceKind.credit_note else "Rechnung"
    message = EmailMessage()
    message["Subject"] = f"{what} {invoice.number} von {company.legal_name}"
    message["From"] = f"{company.legal_name} <{company.email}>"
    message["To"] = sending.recipient
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = sending.message_id
    message.set_content(
        "Sehr geehrte Damen und Herren,\n\n"
        f"anbei erhalten Sie unsere {what} {invoice.number} vom "
        f"{invoice.invoice_date:%d.%m.%Y} über {invoice.gross_total:.2f} EUR.\n\n"
        f"Mit freundlichen Grüßen\n{company.legal_name}\n"
    )
    attachment = _attachment(invoice, session, sending.invoice_format)
    message.add_attachment(
        attachment.content,
        maintype=attachment.maintype,
        subtype=attachment.subtype,
        filename=attachment.filename,
    )
    return message


def get_sending(session: Session, sending_id: int) -> InvoiceSending:
    return fetch(session, InvoiceSending, sending_id, kind="invoice sending")


class PermanentRefusal(Exception):
    """The SMTP server refused the message for good (5xx)."""


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; PermanentRefusal on a 5xx answer, the
    transient smtplib/OS errors pass through (the job retries them)."""
    try:
        with smtp_connection(settings, timeout=SMTP_TIMEOUT) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentRefusal(f"the server refused the recipient: {exc.recipients}") from None
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise PermanentRefusal(f"the server refused the message: {exc.smtp_code}") from None
        raise


@use_case
def mark_sent(session: Session, sending_id: int) -> InvoiceSending:
    sending = get_sending(session, sending_id)
    sending.status, sending.sent_at, sending.error = SendingStatus.sent, utcnow(), ""
    session.flush()
    return sending


@use_case
def mark_failed(session: Session, sending_id: int, reason: str) -> InvoiceSending:
    sending = get_sending(session, sending_id)
    sending.status, sending.error = SendingStatus.failed, reason[:2000]
    session.flush()
    return sending
