"""Stored documents of issued invoices and credit notes, and their e-mails.

The PDF, the ZUGFeRD PDF/A-3 and the XRechnung XML are rendered once, in the transaction that
issues the invoice, and never changed (triggers refuse UPDATE and DELETE), like the invoice.
A sending is one e-mail of one invoice: queued, then sent (with the SMTP message id) or failed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from landkontor.db.base import Base, IdMixin
from landkontor.db.types import UTCDateTime, enum_column, utcnow
from landkontor.partners.models import InvoiceFormat


class InvoiceDocument(Base):
    __tablename__ = "invoice_documents"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    zugferd_pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    xrechnung_xml: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class SendingStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class InvoiceSending(IdMixin, Base):
    """One e-mail of an invoice to its customer's invoice address."""

    __tablename__ = "invoice_sendings"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), nullable=False, index=True)
    status: Mapped[SendingStatus] = mapped_column(
        enum_column(SendingStatus, "sending_status", length=10), nullable=False
    )
    invoice_format: Mapped[InvoiceFormat] = mapped_column(
        enum_column(InvoiceFormat, "invoice_format", length=10), nullable=False
    )
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    job_id: Mapped[str | None] = mapped_column(String(36))
    message_id: Mapped[str | None] = mapped_column(String(255))
    requested_by: Mapped[str] = mapped_column(String(150), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)


class SettlementDocument(Base):
    """The PDF and CII XML (EN 16931, type 389) of a grain settlement (self-billed credit
    note), stored when it is written."""

    __tablename__ = "grain_settlement_documents"

    settlement_id: Mapped[int] = mapped_column(ForeignKey("grain_settlements.id"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    cii_xml: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
