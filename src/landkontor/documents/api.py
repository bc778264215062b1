"""Routes of the business documents: files of invoices, credit notes, delivery notes,
purchase orders and production orders (viewers may read them), and invoice e-mails."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from landkontor.common.deps import SessionDep
from landkontor.documents import service
from landkontor.documents.service import FileOut, InvoiceDocumentKind

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]

invoices_router = APIRouter(prefix="/invoices", tags=["documents"])

PDF_RESPONSE = {200: {"content": {"application/pdf": {}}, "description": "The PDF"}}
XML_RESPONSE = {200: {"content": {"application/xml": {}}, "description": "The XML"}}


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
