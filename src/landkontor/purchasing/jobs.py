"""Job type of purchasing: ``optimization.reorder-proposals`` (Bestellvorschläge), computed
by purchasing.replenishment in chunks of items; the proposals are the job's JSON result and,
on request, a CSV/XLSX file for the purchaser."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from landkontor.catalog.schemas import ItemGroup
from landkontor.common.schemas import InputModel
from landkontor.jobs.context import JobContext
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import write_table
from landkontor.purchasing.replenishment import (
    ReorderProposal,
    reorder_candidates,
    reorder_proposals,
)

CHUNK = 200
PROPOSAL_COLUMNS = [
    "item_no",
    "item_name",
    "unit",
    "reorder_point",
    "reorder_quantity",
    "on_hand",
    "available",
    "on_order",
    "projected",
    "quantity",
    "supplier_no",
    "supplier_name",
    "last_unit_price",
    "last_order_no",
    "last_order_date",
]


class ReorderProposalParams(InputModel):
    item_group: ItemGroup | None = Field(None, description="Only this item group.")
    file_format: Literal["csv", "xlsx"] | None = Field(
        None, description="Also attach the proposals as a file."
    )


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _as_dict(p: ReorderProposal) -> dict[str, Any]:
    last = p.last_purchase
    return {
        "item_id": p.item_id,
        "item_no": p.item_no,
        "item_name": p.item_name,
        "unit": p.unit,
        "reorder_point": _plain(p.reorder_point),
        "reorder_quantity": _plain(p.reorder_quantity),
        "on_hand": _plain(p.on_hand),
        "available": _plain(p.available),
        "on_order": _plain(p.on_order),
        "projected": _plain(p.projected),
        "quantity": _plain(p.quantity),
        "supplier": None
        if last is None
        else {
            "id": last.supplier_id,
            "number": last.supplier_no,
            "name": last.supplier_name,
            "blocked": last.supplier_blocked,
        },
        "last_unit_price": _plain(last.unit_price) if last else None,
        "last_order_no": last.order_no if last else None,
        "last_order_date": last.order_date.isoformat() if last else None,
    }


def _row(p: ReorderProposal) -> list[Any]:
    last = p.last_purchase
    return [
        p.item_no,
        p.item_name,
        p.unit,
        p.reorder_point,
        p.reorder_quantity,
        p.on_hand,
        p.available,
        p.on_order,
        p.projected,
        p.quantity,
        last.supplier_no if last else None,
        last.supplier_name if last else None,
        last.unit_price if last else None,
        last.order_no if last else None,
        last.order_date if last else None,
    ]


@job_type("optimization.reorder-proposals", params=ReorderProposalParams, soft_time_limit=900)
def reorder_proposal_job(ctx: JobContext, params: ReorderProposalParams) -> dict:
    """Items whose available stock plus open purchase orders is below the reorder point,
    with the quantity to order and the last supplier and price."""
    with ctx.session() as session:
        item_ids = reorder_candidates(session, item_group=params.item_group)
    proposals: list[ReorderProposal] = []
    for start in range(0, len(item_ids), CHUNK):
        with ctx.session() as session:
            found = reorder_proposals(session, item_ids[start : start + CHUNK])
        proposals += found
        done = min(start + CHUNK, len(item_ids))
        ctx.progress(done, len(item_ids), f"{done} of {len(item_ids)} items checked")
        ctx.check_cancelled()
    result: dict[str, Any] = {
        "items_checked": len(item_ids),
        "proposal_count": len(proposals),
        "proposals": [_as_dict(p) for p in proposals],
    }
    if params.file_format:
        content, content_type = write_table(
            params.file_format,
            PROPOSAL_COLUMNS,
            [_row(p) for p in proposals],
            sheet_title="Bestellvorschlag",
        )
        result["file"] = f"reorder-proposals-{ctx.job_id[:8]}.{params.file_format}"
        ctx.attach_result(result["file"], content_type, content)
    return result
