"""The stored PDF and CII e-invoice of each grain settlement (the farmer's self-billed credit note): rendered
once when the settlement is written and never changed, like invoice documents.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from landkontor.db.types import BigIntPK, UTCDateTime

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "grain_settlement_documents"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "settlement_id",
            BigIntPK,
            sa.ForeignKey("grain_settlements.id", name=op.f(f"fk_{TABLE}_settlement_id")),
            primary_key=True,
        ),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("cii_xml", sa.LargeBinary(), nullable=False),
        sa.Column("rendered_at", UTCDateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":  # the function comes from migration 0003
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION landkontor_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} are immutable'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{event}")
    op.drop_table(TABLE)
