"""``maintenance.verify-stock``: inventory.verify.verify_stock as a job, nightly by beat;
the result lists every mismatch between the ledger and the levels or item values."""

from __future__ import annotations

from celery.schedules import crontab
from sqlalchemy import select

from landkontor.auth.roles import Role
from landkontor.catalog.models import Item
from landkontor.common.schemas import InputModel
from landkontor.db.types import utcnow
from landkontor.inventory.verify import verify_stock
from landkontor.jobs.context import JobContext
from landkontor.jobs.registry import job_type

MAX_REPORTED_MISMATCHES = 1000


class VerifyStockParams(InputModel):
    """No parameters: the whole ledger is checked."""


@job_type(
    "maintenance.verify-stock",
    params=VerifyStockParams,
    queue="reports",
    role=Role.manager,
    soft_time_limit=1800,
    schedule=crontab(hour=2, minute=43),
)
def verify_stock_job(ctx: JobContext, params: VerifyStockParams) -> dict:
    """Recompute every stock level and item value from the ledger and list mismatches."""
    ctx.progress(10, message="recomputing levels and item values from the ledger")
    with ctx.session() as session:
        mismatches = verify_stock(session)
        numbers = dict(
            session.execute(
                select(Item.id, Item.item_no).where(Item.id.in_({m.item_id for m in mismatches}))
            )
            .tuples()
            .all()
        )
    if mismatches:
        ctx.log.error(
            "stock verify: %d mismatches between the ledger and levels/costs", len(mismatches)
        )
    reported = [
        {**m.as_dict(), "item_no": numbers.get(m.item_id)}
        for m in mismatches[:MAX_REPORTED_MISMATCHES]
    ]
    return {
        "ok": not mismatches,
        "mismatches": reported,
        "mismatch_count": len(mismatches),
        "truncated": len(mismatches) > MAX_REPORTED_MISMATCHES,
        "checked_at": utcnow().isoformat(),
    }
