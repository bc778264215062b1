"""Company master data: read by everyone, written by an admin; what invoices require.

§14 (4) UStG requires on every invoice the full name and address of the supplier and its
tax number or VAT id. An e-invoice (EN 16931 with the German CIUS XRechnung) also needs the
seller's contact (phone, e-mail: BR-DE-5/6/7) and, for payment by credit transfer, the IBAN
(BR-DE-23); every document prints the bank details in its footer. Issuing is refused while
any of these are missing, so that no invoice is ever written that its documents cannot carry.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from landkontor.common.lookup import get_locked
from landkontor.company.errors import CompanyDataMissing, UnsupportedLogo
from landkontor.company.models import COMPANY_ID, Company
from landkontor.company.schemas import CompanyIn
from landkontor.db.session import use_case
from landkontor.errors import NotFound

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_TYPES = {"image/png", "image/svg+xml"}

INVOICE_REQUIREMENTS: tuple[tuple[str, str], ...] = (
    ("legal_name", "the supplier's full name (§14 (4) Nr. 1 UStG)"),
    ("street", "the supplier's full address (§14 (4) Nr. 1 UStG)"),
    ("postal_code", "the supplier's full address (§14 (4) Nr. 1 UStG)"),
    ("city", "the supplier's full address (§14 (4) Nr. 1 UStG)"),
    ("phone", "the seller contact's phone of an e-invoice (BR-DE-6)"),
    ("email", "the seller contact's e-mail of an e-invoice (BR-DE-7)"),
    ("iban", "the account for payment by credit transfer (BR-DE-23)"),
)


def get_company(session: Session) -> Company | None:
    return session.get(Company, COMPANY_ID)


def require_company(session: Session) -> Company:
    """The company record; NotFound (404) while nobody has entered it."""
    company = get_company(session)
    if company is None:
        raise NotFound("the company master data have not been entered yet (PUT /api/v1/company)")
    return company


def missing_for_invoices(company: Company | None) -> list[tuple[str, str]]:
    """The fields an invoice needs that the company lacks, with the reason each is needed."""
    if company is None:
        return [*INVOICE_REQUIREMENTS, ("vat_id", "the tax number or VAT id (§14 (4) Nr. 2 UStG)")]
    missing = [(name, why) for name, why in INVOICE_REQUIREMENTS if not getattr(company, name)]
    if not company.vat_id and not company.tax_number:
        missing.append(("vat_id", "the tax number or VAT id (§14 (4) Nr. 2 UStG)"))
    return missing


def letterhead_company(session: Session) -> Company:
    """The company as the sender of any other document (delivery note, purchase order):
    its name and address are needed; CompanyDataMissing (409) otherwise."""
    company = get_company(session)
    missing = [
        (name, why)
        for name, why in INVOICE_REQUIREMENTS[:4]
        if company is None or not getattr(company, name)
    ]
    if missing:
        raise CompanyDataMissing(missing)
    assert company is not None
    return company


def invoicing_company(session: Session) -> Company:
    """The company as the issuer of an invoice; CompanyDataMissing (409) naming what lacks."""
    company = get_company(session)
    missing = missing_for_invoices(company)
    if missing:
        raise CompanyDataMissing(missing)
    assert company is not None
    return company


@use_case
def put_company(session: Session, data: CompanyIn) -> Company:
    """Enter or replace the company master data (admin). The logo is kept."""
    company = get_locked(session, Company, COMPANY_ID)
    if company is None:
        company = Company(id=COMPANY_ID)
        session.add(company)
    values = data.model_dump()
    values["email"] = values["email"] or ""
    for name, value in values.items():
        setattr(company, name, value)
    session.flush()
    return company


def check_logo(content: bytes, content_type: str) -> str:
    """The logo's content type, judged by its bytes: PNG by signature, SVG by its root."""
    if content.startswith(PNG_SIGNATURE):
        return "image/png"
    head = content[:2048].lstrip().lower()
    if (head.startswith(b"<?xml") or head.startswith(b"<svg")) and b"<svg" in head:
        if b"<!doctype" in content.lower() or b"<!entity" in content.lower():
            # no document type, no entities: nothing an XML parser could fetch or expand
            raise UnsupportedLogo("an SVG logo may not declare a DOCTYPE or entities", field="file")
        return "image/svg+xml"
    raise UnsupportedLogo(
        f"the logo must be a PNG or SVG file; this one ({content_type or 'no type'}) is neither",
        field="file",
    )


@use_case
def set_logo(session: Session, content: bytes, content_type: str) -> Company:
    """Store the company logo (PNG or SVG; the size limit is checked by the route)."""
    kind = check_logo(content, content_type)
    company = require_company(session)
    company.logo, company.logo_content_type = content, kind
    session.flush()
    return company


@use_case
def delete_logo(session: Session) -> Company:
    company = require_company(session)
    company.logo, company.logo_content_type = None, None
    session.flush()
    return company
