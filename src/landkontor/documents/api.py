"""Routes of the business documents: files of invoices, credit notes, delivery notes,
purchase orders, production orders and recall reports (viewers may read them), and invoice
e-mails."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from landkontor.auth.deps import Clerk
from landkontor.common.bounds import Id
from landkontor.common.deps import SessionDep, SettingsDep
from landkontor.documents import recall_reports, sending, service
from landkontor.documents.schemas import SendingOut, SendRequest
from landkontor.documents.service import FileOut, InvoiceDocumentKind
from landkontor.jobs.service import Submitter

invoices_router = APIRouter(prefix="/invoices", tags=["documents"])
deliveries_router = APIRouter(prefix="/deliveries", tags=["documents"])
purchase_orders_router = APIRouter(prefix="/purchase-orders", tags=["documents"])
production_orders_router = APIRouter(prefix="/production-orders", tags=["documents"])

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF"}
}
XML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "The XML"}
}


def file_response(file: FileOut) -> Response:
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@invoices_router.get(
    "/{invoice_id}/pdf", response_class=Response, responses=PDF_RESPONSE, summary="PDF"
)
def invoice_pdf(invoice_id: Id, session: SessionDep) -> Response:
    return file_response(service.invoice_file(session, invoice_id, InvoiceDocumentKind.pdf))


@invoices_router.get(
    "/{invoice_id}/zugferd",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="ZUGFeRD (EN 16931): PDF/A-3 with the CII XML embedded",
)
def invoice_zugferd(invoice_id: Id, session: SessionDep) -> Response:
    return file_response(service.invoice_file(session, invoice_id, InvoiceDocumentKind.zugferd))


@invoices_router.get(
    "/{invoice_id}/xrechnung",
    response_class=Response,
    responses=XML_RESPONSE,
    summary="XRechnung 3.0 (CII XML)",
)
def invoice_xrechnung(invoice_id: Id, session: SessionDep) -> Response:
    return file_response(service.invoice_file(session, invoice_id, InvoiceDocumentKind.xrechnung))


@invoices_router.post(
    "/{invoice_id}/send",
    response_model=SendingOut,
    status_code=202,
    summary="E-mail it to the customer's invoice address (queued as a job)",
)
def send_invoice(
    invoice_id: Id,
    user: Clerk,
    session: SessionDep,
    settings: SettingsDep,
    body: SendRequest | None = None,
) -> SendingOut:
    """In the customer's preferred format; a second sending needs ``resend: true`` (409)."""
    record = sending.send_invoice(
        session,
        invoice_id,
        resend=body.resend if body else False,
        submitter=Submitter(user.username, user.role),
        settings=settings,
    )
    return SendingOut.model_validate(record)


@invoices_router.get(
    "/{invoice_id}/sendings", response_model=list[SendingOut], summary="Its e-mails"
)
def list_sendings(invoice_id: Id, session: SessionDep) -> list[SendingOut]:
    return [SendingOut.model_validate(s) for s in sending.sendings_of_invoice(session, invoice_id)]


@deliveries_router.get(
    "/{delivery_id}/pdf", response_class=Response, responses=PDF_RESPONSE, summary="Lieferschein"
)
def delivery_note_pdf(delivery_id: Id, session: SessionDep) -> Response:
    return file_response(service.delivery_note_file(session, delivery_id))


@purchase_orders_router.get(
    "/{order_id}/pdf", response_class=Response, responses=PDF_RESPONSE, summary="Bestellung"
)
def purchase_order_pdf(order_id: Id, session: SessionDep) -> Response:
    return file_response(service.purchase_order_file(session, order_id))


@production_orders_router.get(
    "/{order_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="Shop paper: components with batches, outputs to report",
)
def production_order_pdf(order_id: Id, session: SessionDep) -> Response:
    return file_response(service.production_order_file(session, order_id))


# The recall report of a batch as files (the same as the Rückverfolgung page offers).
recall_reports_router = APIRouter(prefix="/batches", tags=["documents"])
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {recall_reports.XLSX: {}}, "description": "The workbook"}
}


@recall_reports_router.get(
    "/{batch_id}/recall-report/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="Recall report: affected batches, stock, customers with contacts",
)
def recall_report_pdf(batch_id: Id, session: SessionDep) -> Response:
    return file_response(recall_reports.recall_report_pdf(session, batch_id))


@recall_reports_router.get(
    "/{batch_id}/recall-report/xlsx",
    response_class=Response,
    responses=XLSX_RESPONSE,
    summary="Recall report as a workbook (one sheet per part)",
)
def recall_report_xlsx(batch_id: Id, session: SessionDep) -> Response:
    return file_response(recall_reports.recall_report_xlsx(session, batch_id))
