"""Request and response models of the business documents."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from landkontor.common.schemas import InputModel, OutputModel
from landkontor.documents.models import SendingStatus
from landkontor.partners.models import InvoiceFormat


class SendRequest(InputModel):
    resend: bool = Field(False, description="Send again although it was sent (or is queued).")


class SendingOut(OutputModel):
    id: int
    invoice_id: int
    status: SendingStatus
    invoice_format: InvoiceFormat
    recipient: str
    job_id: str | None
    message_id: str | None
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    error: str
