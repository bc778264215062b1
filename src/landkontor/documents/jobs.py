"""Job types of the business documents: ``documents.send-invoice`` (one invoice e-mail),
``documents.export`` (every document of a period as a ZIP) and ``accounting.datev_export``
(the DATEV booking batch of a period)."""

from __future__ import annotations

import smtplib

from pydantic import Field
from sqlalchemy.orm import Session

from landkontor.common.schemas import InputModel
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


class SendInvoiceParams(InputModel):
    sending_id: int = Field(ge=1, le=2**63 - 1, description="The sending to deliver.")


def _check_sending(session: Session, params: SendInvoiceParams) -> None:
    if session.get(InvoiceSending, params.sending_id) is None:
        raise InvalidInput(
            f"invoice sending {params.sending_id} does not exist", field="params.sending_id"
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
