"""Index on batches.status: monitoring counts blocked and recalled batches with stock

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:48:52.209754
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_batches_status"), "batches", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_batches_status"), table_name="batches")
