"""Request and response models of the company master data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, EmailStr, Field

from landkontor.common.bounds import single_line
from landkontor.common.schemas import InputModel, OutputModel
from landkontor.company.accounts import check_account_overrides
from landkontor.company.checks import normalize_bic, normalize_iban
from landkontor.company.models import ChartOfAccounts
from landkontor.partners.schemas import Country, VatId

Iban = Annotated[str, Field(min_length=5, max_length=42), AfterValidator(normalize_iban)]
Bic = Annotated[str, Field(min_length=8, max_length=14), AfterValidator(normalize_bic)]
Required200 = single_line(200, min_length=1)
Text20, Text30, Text50 = single_line(20), single_line(30), single_line(50)
Text100, Text200, Text300 = single_line(100), single_line(200), single_line(300)
AccountOverrides = Annotated[dict[str, Any], AfterValidator(check_account_overrides)]


class CompanyIn(InputModel):
    """The whole company record (PUT replaces it; the logo has its own route)."""

    legal_name: Required200
    street: Text200 = ""
    postal_code: Text20 = ""
    city: Text100 = ""
    country: Country = "DE"
    vat_id: VatId | None = Field(None, description="USt-IdNr., checked (format, check digit).")
    tax_number: Text30 | None = Field(None, description="Steuernummer.")
    register_court: Text100 = ""
    register_number: Text50 = ""
    managing_directors: Text300 = ""
    bank_name: Text100 = ""
    iban: Iban | None = None
    bic: Bic | None = None
    phone: Text50 = ""
    email: EmailStr | None = Field(None, max_length=254)
    website: Text200 = ""
    datev_consultant_number: int | None = Field(None, ge=1001, le=9999999)
    datev_client_number: int | None = Field(None, ge=1, le=99999)
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    chart_of_accounts: ChartOfAccounts = ChartOfAccounts.skr03
    account_overrides: AccountOverrides = Field(
        default_factory=dict,
        description='Accounts differing from the chart\'s standard, e.g. {"bank": 1210}.',
    )


class CompanyOut(OutputModel):
    legal_name: str
    street: str
    postal_code: str
    city: str
    country: str
    vat_id: str | None
    tax_number: str | None
    register_court: str
    register_number: str
    managing_directors: str
    bank_name: str
    iban: str | None
    bic: str | None
    phone: str
    email: str
    website: str
    datev_consultant_number: int | None
    datev_client_number: int | None
    fiscal_year_start_month: int
    chart_of_accounts: ChartOfAccounts
    account_overrides: dict[str, int]
    booking_accounts: dict[str, int]
    logo_content_type: str | None
    missing_for_invoices: list[str] = Field(
        description="What an invoice needs and the record lacks; empty when invoices can be issued."
    )
    updated_at: datetime | None
