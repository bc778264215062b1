"""Production orders are numbered by the numbering service (series PA); number not null

Until now a production order's number was made from its row id (PA-<year>-<id>). The
counter of series PA is started, per year, after the highest number already given, so that
the numbering service never hands out a number twice; an order without a number (none is
expected) gets one the old way. Then the column is NOT NULL.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERIES = "PA"

orders = sa.table(
    "production_orders",
    sa.column("id", sa.BigInteger),
    sa.column("number", sa.String),
    sa.column("created_at", sa.DateTime),
)
counters = sa.table(
    "document_counters",
    sa.column("series", sa.String),
    sa.column("year", sa.Integer),
    sa.column("last_number", sa.BigInteger),
)


def _year_and_number(number: str) -> tuple[int, int] | None:
    """(year, running number) of ``PA-2026-000012``; None for any other shape."""
    parts = number.split("-")
    if len(parts) != 3 or parts[0] != SERIES or not (parts[1] + parts[2]).isdigit():
        return None
    return int(parts[1]), int(parts[2])


def upgrade() -> None:
    connection = op.get_bind()
    for order_id, created_at in connection.execute(
        sa.select(orders.c.id, orders.c.created_at).where(orders.c.number.is_(None))
    ):
        connection.execute(
            orders.update()
            .where(orders.c.id == order_id)
            .values(number=f"{SERIES}-{created_at.year}-{order_id:06d}")
        )
    highest: dict[int, int] = {}
    for (number,) in connection.execute(sa.select(orders.c.number)):
        parsed = _year_and_number(number)
        if parsed is not None:
            year, running = parsed
            highest[year] = max(highest.get(year, 0), running)
    for year, running in highest.items():
        current = connection.scalar(
            sa.select(counters.c.last_number).where(
                counters.c.series == SERIES, counters.c.year == year
            )
        )
        if current is None:
            connection.execute(
                counters.insert().values(series=SERIES, year=year, last_number=running)
            )
        elif current < running:
            connection.execute(
                counters.update()
                .where(counters.c.series == SERIES, counters.c.year == year)
                .values(last_number=running)
            )
    with op.batch_alter_table("production_orders") as batch:
        batch.alter_column("number", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("production_orders") as batch:
        batch.alter_column("number", existing_type=sa.String(length=32), nullable=True)
