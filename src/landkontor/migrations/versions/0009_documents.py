"""Business documents: company master data, partners' invoice recipients, rendered invoice
documents (immutable) and invoice e-mails

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from landkontor.db.types import BigIntPK, UTCDateTime

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PARTNERS = ("customers", "suppliers")


def _recipient_columns() -> list[sa.Column]:
    return [
        sa.Column("billing_street", sa.String(200), nullable=False, server_default=""),
        sa.Column("billing_postal_code", sa.String(20), nullable=False, server_default=""),
        sa.Column("billing_city", sa.String(100), nullable=False, server_default=""),
        sa.Column("billing_country", sa.String(2), nullable=True),
        sa.Column("invoice_email", sa.String(254), nullable=True),
        sa.Column("buyer_reference", sa.String(100), nullable=True),
        sa.Column(
            "invoice_format",
            sa.Enum(
                "pdf", "zugferd", "xrechnung", name="invoice_format", native_enum=False, length=10
            ),
            nullable=False,
            server_default="pdf",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "company",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("postal_code", sa.String(20), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("vat_id", sa.String(20), nullable=True),
        sa.Column("tax_number", sa.String(30), nullable=True),
        sa.Column("register_court", sa.String(100), nullable=False),
        sa.Column("register_number", sa.String(50), nullable=False),
        sa.Column("managing_directors", sa.String(300), nullable=False),
        sa.Column("bank_name", sa.String(100), nullable=False),
        sa.Column("iban", sa.String(34), nullable=True),
        sa.Column("bic", sa.String(11), nullable=True),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("website", sa.String(200), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_content_type", sa.String(20), nullable=True),
        sa.Column("datev_consultant_number", sa.Integer(), nullable=True),
        sa.Column("datev_client_number", sa.Integer(), nullable=True),
        sa.Column("fiscal_year_start_month", sa.Integer(), nullable=False),
        sa.Column(
            "chart_of_accounts",
            sa.Enum("SKR03", "SKR04", name="chart_of_accounts", native_enum=False, length=5),
            nullable=False,
        ),
        sa.Column("account_overrides", JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_company_single_row")),
        sa.CheckConstraint(
            "fiscal_year_start_month BETWEEN 1 AND 12", name=op.f("ck_company_fiscal_year_start")
        ),
    )
    for table in PARTNERS:
        with op.batch_alter_table(table) as batch:
            for column in _recipient_columns():
                batch.add_column(column)
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("debtor_account", sa.Integer(), nullable=True))

    op.create_table(
        "invoice_documents",
        sa.Column("invoice_id", BigIntPK, sa.ForeignKey("invoices.id"), primary_key=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("zugferd_pdf", sa.LargeBinary(), nullable=False),
        sa.Column("xrechnung_xml", sa.LargeBinary(), nullable=False),
        sa.Column("rendered_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "invoice_sendings",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("invoice_id", BigIntPK, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "sent", "failed", name="sending_status", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column(
            "invoice_format",
            sa.Enum(
                "pdf", "zugferd", "xrechnung", name="invoice_format", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("job_id", sa.String(36), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("requested_by", sa.String(150), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_index(
        op.f("ix_invoice_sendings_invoice_id"), "invoice_sendings", ["invoice_id"], unique=False
    )
    _protect_documents()


def _protect_documents() -> None:
    """Rendered documents are as immutable as their invoice (the functions come from 0003)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER invoice_documents_append_only BEFORE UPDATE OR DELETE ON "
            "invoice_documents FOR EACH ROW EXECUTE FUNCTION landkontor_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER invoice_documents_no_{event.lower()} BEFORE {event} ON "
            "invoice_documents BEGIN SELECT RAISE(ABORT, 'invoice_documents are immutable'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS invoice_documents_append_only ON invoice_documents")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS invoice_documents_no_{event}")
    op.drop_index(op.f("ix_invoice_sendings_invoice_id"), table_name="invoice_sendings")
    op.drop_table("invoice_sendings")
    op.drop_table("invoice_documents")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("debtor_account")
    for table in PARTNERS:
        with op.batch_alter_table(table) as batch:
            for column in reversed(_recipient_columns()):
                batch.drop_column(column.name)
    op.drop_table("company")
