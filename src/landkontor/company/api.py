"""Routes of the company master data: everyone reads, an admin writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from landkontor.auth.deps import Admin
from landkontor.common.deps import SessionDep, SettingsDep
from landkontor.company import service
from landkontor.company.accounts import booking_accounts
from landkontor.company.models import Company
from landkontor.company.schemas import CompanyIn, CompanyOut
from landkontor.errors import NotFound
from landkontor.jobs.errors import FileTooLarge

router = APIRouter(prefix="/company", tags=["company"])


def _out(company: Company) -> CompanyOut:
    return CompanyOut.model_validate(
        {
            **{
                c.key: getattr(company, c.key)
                for c in Company.__table__.columns
                if c.key != "logo"  # served by GET /company/logo
            },
            "booking_accounts": booking_accounts(
                company.chart_of_accounts.value, company.account_overrides
            ),
            "missing_for_invoices": [name for name, _ in service.missing_for_invoices(company)],
        }
    )


@router.get("", response_model=CompanyOut, summary="The company master data")
def get_company(session: SessionDep) -> CompanyOut:
    return _out(service.require_company(session))


@router.put("", response_model=CompanyOut, summary="Enter or replace them (admin)")
def put_company(body: CompanyIn, _: Admin, session: SessionDep) -> CompanyOut:
    return _out(service.put_company(session, body))


@router.get(
    "/logo",
    summary="The logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
def get_logo(session: SessionDep) -> Response:
    company = service.require_company(session)
    if company.logo is None:
        raise NotFound("the company has no logo")
    return Response(company.logo, media_type=company.logo_content_type)


@router.put("/logo", response_model=CompanyOut, summary="Upload the logo, PNG or SVG (admin)")
async def put_logo(
    _: Admin,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="PNG or SVG")],
) -> CompanyOut:
    limit = settings.company_logo_max_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise FileTooLarge(f"the logo is larger than {limit} bytes", field="file")
    return _out(service.set_logo(session, content, file.content_type or ""))


@router.delete("/logo", response_model=CompanyOut, summary="Remove the logo (admin)")
def delete_logo(_: Admin, session: SessionDep) -> CompanyOut:
    return _out(service.delete_logo(session))
