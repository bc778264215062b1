"""ORM model of the company: one row (id 1), created on the first write."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.types import JSONType, enum_column
from landkontor.partners.models import AddressMixin

COMPANY_ID = 1


class ChartOfAccounts(StrEnum):
    """DATEV standard charts: SKR03 (process order) and SKR04 (balance-sheet order)."""

    skr03 = "SKR03"
    skr04 = "SKR04"


class Company(IdMixin, TimestampMixin, AddressMixin, Base):
    """The seller on every document; the only row has id 1."""

    __tablename__ = "company"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_year_start"),
    )

    legal_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    vat_id: Mapped[str | None] = mapped_column(String(20))
    tax_number: Mapped[str | None] = mapped_column(String(30))
    register_court: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    register_number: Mapped[str] = mapped_column(String(50), default="", nullable=False)
    managing_directors: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    bank_name: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    phone: Mapped[str] = mapped_column(String(50), default="", nullable=False)
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    website: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_content_type: Mapped[str | None] = mapped_column(String(20))
    datev_consultant_number: Mapped[int | None] = mapped_column(Integer)
    datev_client_number: Mapped[int | None] = mapped_column(Integer)
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    chart_of_accounts: Mapped[ChartOfAccounts] = mapped_column(
        enum_column(ChartOfAccounts, "chart_of_accounts", length=5),
        default=ChartOfAccounts.skr03,
        nullable=False,
    )
    # Accounts that differ from the chart's standard (see accounts.py): {"revenue_reduced": 8300}
    account_overrides: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=dict, nullable=False
    )
