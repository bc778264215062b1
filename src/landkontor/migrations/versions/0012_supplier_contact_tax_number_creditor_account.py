"""Suppliers' contact telephone and tax number (the seller of a farmer's XRechnung credit
note) and DATEV creditor account (the farmers' settlements in the DATEV export)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("suppliers") as batch:
        batch.add_column(sa.Column("phone", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("tax_number", sa.String(30), nullable=True))
        batch.add_column(sa.Column("creditor_account", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_column("creditor_account")
        batch.drop_column("tax_number")
        batch.drop_column("phone")
