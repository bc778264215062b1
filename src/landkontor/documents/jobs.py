"""Job types of the business documents: ``documents.send-invoice`` (one invoice e-mail),
``documents.export`` (every document of a period as a ZIP) and ``accounting.datev_export``
(the DATEV booking batch of a period)."""

from __future__ import annotations

import smtplib
from datetime import date
from decimal import Decimal

from pydantic import Field, model_validator
from sqlalchemy.orm import Session

from landkontor.auth.roles import Role
from landkontor.common.lookup import fetch
from landkontor.common.schemas import InputModel
from landkontor.documents.archive import build_archive, period_documents
from landkontor.documents.datev import check_period, datev_company, datev_export
from landkontor.documents.models import InvoiceSending, SendingStatus
from landkontor.documents.sending import (
    SEND_JOB,
    PermanentRefusal,
    build_message,
    deliver,
    get_sending,
    mark_failed,
    mark_sent,
)
from landkontor.errors import InvalidInput
from landkontor.jobs.context import JobContext
from landkontor.jobs.errors import RetryableError
from landkontor.jobs.registry import job_type

SEND_ATTEMPTS = 5
MAX_PERIOD_DAYS = 366


class SendInvoiceParams(InputModel):
    sending_id: int = Field(ge=1, le=2**63 - 1, description="The sending to deliver.")


def _check_sending(session: Session, params: SendInvoiceParams) -> None:
    fetch(
        session,
        InvoiceSending,
        params.sending_id,
        kind="invoice sending",
        field="params.sending_id",
    )


def _result(sending: InvoiceSending) -> dict:
    return {
        "sending_id": sending.id,
        "invoice_id": sending.invoice_id,
        "status": sending.status.value,
        "recipient": sending.recipient,
        "message_id": sending.message_id,
        "error": sending.error or None,
    }


@job_type(
    SEND_JOB,
    params=SendInvoiceParams,
    soft_time_limit=120,
    max_attempts=SEND_ATTEMPTS,
    check_params=_check_sending,
)
def send_invoice_job(ctx: JobContext, params: SendInvoiceParams) -> dict:
    """E-mail an invoice in its customer's preferred format (retried while SMTP fails)."""
    with ctx.session() as session:
        sending = get_sending(session, params.sending_id)
        if sending.status != SendingStatus.queued:  # delivered by an earlier run
            return _result(sending)
        message = build_message(session, sending)
    try:
        deliver(ctx.settings, message)
    except PermanentRefusal as exc:
        with ctx.session() as session:
            return _result(mark_failed(session, params.sending_id, str(exc)))
    except (smtplib.SMTPException, OSError) as exc:
        reason = f"SMTP: {type(exc).__name__}: {exc}"
        if ctx.attempt >= SEND_ATTEMPTS:
            with ctx.session() as session:
                mark_failed(
                    session, params.sending_id, f"gave up after {ctx.attempt} attempts; {reason}"
                )
        raise RetryableError(reason) from exc
    ctx.progress(1, 1, "sent")
    with ctx.session() as session:
        return _result(mark_sent(session, params.sending_id))


class PeriodParams(InputModel):
    date_from: date = Field(description="First day of the period (invoice or delivery date).")
    date_to: date = Field(description="Last day of the period.")

    @model_validator(mode="after")
    def _ordered(self) -> PeriodParams:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        if (self.date_to - self.date_from).days > MAX_PERIOD_DAYS:
            raise ValueError(f"a period is at most {MAX_PERIOD_DAYS} days long")
        return self


class DocumentExportParams(PeriodParams):
    delivery_notes: bool = Field(True, description="Include the delivery notes.")


@job_type("documents.export", params=DocumentExportParams, queue="exports", soft_time_limit=3600)
def export_documents_job(ctx: JobContext, params: DocumentExportParams) -> dict:
    """Every invoice, credit note (PDF, XRechnung, ZUGFeRD) and delivery note of a period
    as one ZIP."""
    with ctx.session() as session:
        invoices, deliveries = period_documents(session, params.date_from, params.date_to)
    if not params.delivery_notes:
        deliveries = []

    def progress(done: int, total: int) -> None:
        ctx.progress(done, total, f"{done} of {total} documents")
        ctx.check_cancelled()

    content = build_archive(ctx.session, invoices, deliveries, progress)
    name = f"Belege_{params.date_from:%Y%m%d}-{params.date_to:%Y%m%d}.zip"
    ctx.attach_result(name, "application/zip", content)
    return {"file": name, "invoices": len(invoices), "delivery_notes": len(deliveries)}


def _check_datev(session: Session, params: PeriodParams) -> None:
    company = datev_company(session)
    try:
        check_period(params.date_from, params.date_to, company.fiscal_year_start_month)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="params.date_to") from None


@job_type(
    "accounting.datev_export",
    params=PeriodParams,
    queue="exports",
    soft_time_limit=1800,
    role=Role.manager,
    check_params=_check_datev,
)
def datev_export_job(ctx: JobContext, params: PeriodParams) -> dict:
    """The DATEV Buchungsstapel (EXTF) of a period: invoices and credit notes per VAT rate,
    and the payments."""
    with ctx.session() as session:
        content, found = datev_export(session, params.date_from, params.date_to)
    name = f"EXTF_Buchungsstapel_{params.date_from:%Y%m%d}-{params.date_to:%Y%m%d}.csv"
    ctx.progress(1, 1, f"{len(found)} bookings")
    ctx.attach_result(name, "text/csv; charset=windows-1252", content)
    debit = sum((b.amount for b in found if b.side == "S"), Decimal(0))
    credit = sum((b.amount for b in found if b.side == "H"), Decimal(0))
    return {"file": name, "bookings": len(found), "debit": str(debit), "credit": str(credit)}
