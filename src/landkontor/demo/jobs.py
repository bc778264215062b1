"""``demo.load``: the demo Landhandel as a job (the dashboard's button for admins), with
progress per simulated week; refused at submit when the database holds business data."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy.orm import Session

from landkontor.common.schemas import InputModel
from landkontor.demo.service import DEMO_ROLE, ensure_empty, get_scale, load_demo
from landkontor.jobs.context import JobContext
from landkontor.jobs.registry import job_type


class DemoLoadParams(InputModel):
    scale: Literal["small", "full"] = Field(
        "full", description="full: a year of trade; small: eight weeks."
    )


def _database_empty(session: Session, params: DemoLoadParams) -> None:
    ensure_empty(session)


@job_type(
    "demo.load",
    params=DemoLoadParams,
    queue="imports",  # minutes of writing: never on default, where the sweeper runs
    role=DEMO_ROLE,
    soft_time_limit=1800,
    max_attempts=1,  # a second attempt would find the first one's data and be refused
    check_params=_database_empty,
)
def load_demo_data(ctx: JobContext, params: DemoLoadParams) -> dict:
    """Fill an empty database with the demo Landhandel (a year of trade)."""

    def report(done: int, total: int, message: str) -> None:
        ctx.progress(done, total, message)
        ctx.check_cancelled()

    with ctx.session() as session:
        summary = load_demo(
            session,
            get_scale(params.scale),
            actor=ctx.submitted_by or "demo",
            role=DEMO_ROLE,  # the registry checked the submitter's role at submit
            progress=report,
        )
    return {"scale": summary.scale, "today": summary.today.isoformat(), "loaded": summary.counts}
