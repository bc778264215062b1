"""Rückverfolgung: pick a batch (search as you type), see its trace backward (to goods
receipts and suppliers) or forward (to production, deliveries and customers) as a tree
whose branches load when opened and as a graph (server-rendered SVG, columns by depth);
the recall report on screen and as PDF and XLSX; the recall itself (manager, as the API)
with a reason and a confirmation step.

Every figure comes from the services the API's trace routes call (``production.trace``:
trace, recall_report, recall) and the report files from ``documents.recall_reports``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.common.deps import SessionDep
from landkontor.documents.api import file_response
from landkontor.documents.recall_reports import (
    recall_report_pdf,
    recall_report_xlsx,
    recall_sheet,
)
from landkontor.errors import DomainError
from landkontor.inventory import batches, genealogy
from landkontor.inventory.genealogy import Direction
from landkontor.inventory.schemas import RecallIn
from landkontor.production import trace
from landkontor.web.forms import FormState, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.pages import (
    WebRoute,
    WebUser,
    is_htmx,
    post_checks,
    redirect,
    render,
    require_role,
)
from landkontor.web.trace_graph import layout_trace

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

RECALLER = Role.manager  # as the API's recall route
DIRECTIONS = {"rueckwaerts": Direction.backward, "vorwaerts": Direction.forward}


def _direction(request: Request) -> tuple[str, Direction]:
    slug = request.query_params.get("richtung", "rueckwaerts")
    if slug not in DIRECTIONS:
        slug = "rueckwaerts"
    return slug, DIRECTIONS[slug]


@router.get("/rueckverfolgung")
def pick_batch(request: Request, _: WebUser, session: SessionDep) -> Response:
    """The batch search: by part of the batch number as typed (all items)."""
    query = list_query(request, sorts=("batch_no",), default_sort="batch_no")
    rows: list[Any] = []
    total = 0
    if query.search:
        rows, total = batches.batches_with_stock_levels(
            session, query.params, sort="batch_no", batch_no=query.search
        )
    context = {"rows": rows, "pager": Pager(query, total), "query": query}
    template = "tracing/_list.html" if is_htmx(request) else "tracing/index.html"
    return render(request, template, context)


@router.get("/rueckverfolgung/{batch_id}")
def trace_page(batch_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    slug, direction = _direction(request)
    found = trace.trace(session, batch_id, direction)
    ids = [found.batch.batch_id, *(b.batch_id for b in found.batches)]
    graph = layout_trace(found, genealogy.links_among(session, ids))
    context = {
        "trace": found,
        "slug": slug,
        "graph": graph,
        "branch": _branch(session, batch_id, direction),
    }
    return render(request, "tracing/trace.html", context)


def _branch(session: Any, batch_id: int, direction: Direction) -> dict[str, Any]:
    """One step of the tree: the direct relatives of a batch and its own documents
    (receipts and the order that made it backward, deliveries forward)."""
    step = trace.trace(session, batch_id, direction, depth=1)
    own = batch_id
    return {
        "parent": step.batch,
        "relatives": step.batches,
        "receipts": [r for r in step.receipts if r.batch_id == own],
        "made_by": [m for m in step.made_by if m.batch_id == own],
        "deliveries": [d for d in step.deliveries if d.batch_id == own],
        "direction": direction.value,
        "slug": "rueckwaerts" if direction == Direction.backward else "vorwaerts",
    }


@router.get("/rueckverfolgung/{batch_id}/zweig")
def branch(batch_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    """A tree node's children, loaded when the node is opened (htmx)."""
    direction = _direction(request)[1]
    context = {"branch": _branch(session, batch_id, direction)}
    return render(request, "tracing/_branch.html", context)


def _report_context(session: Any, batch_id: int, **extra: Any) -> dict[str, Any]:
    return {"sheet": recall_sheet(session, batch_id), **extra}


@router.get("/rueckverfolgung/{batch_id}/rueckruf")
def recall_report_page(
    batch_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    recalled = request.query_params.get("zurueckgerufen", "")
    notice = (
        f"Rückruf ausgelöst: {recalled} Chargen sind jetzt zurückgerufen."
        if recalled.isdigit()
        else None
    )
    context = _report_context(session, batch_id, notice=notice)
    return render(request, "tracing/report.html", context)


@router.get("/rueckverfolgung/{batch_id}/rueckruf.pdf")
def recall_report_file_pdf(batch_id: int, _: WebUser, session: SessionDep) -> Response:
    return file_response(recall_report_pdf(session, batch_id))


@router.get("/rueckverfolgung/{batch_id}/rueckruf.xlsx")
def recall_report_file_xlsx(batch_id: int, _: WebUser, session: SessionDep) -> Response:
    return file_response(recall_report_xlsx(session, batch_id))


@router.get("/rueckverfolgung/{batch_id}/zurueckrufen")
def confirm_recall(batch_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    """The confirmation step: what the recall concerns, and the reason to give."""
    require_role(user, RECALLER)
    context = _report_context(session, batch_id, form=FormState())
    return render(request, "tracing/recall.html", context)


@router.post("/rueckverfolgung/{batch_id}/zurueckrufen")
async def recall(batch_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    """Recall the batch and everything made from it (idempotent: a second send changes
    nothing more)."""
    require_role(user, RECALLER)
    batches.get_batch(session, batch_id)  # NotFound before reading the form
    data, form = parse_form(RecallIn, await request.form())
    if data is not None:
        try:
            done = trace.recall(session, batch_id, data.reason, actor=user.username)
        except DomainError as error:
            form.fail(error, ("reason",))
        else:
            count = len(done.newly_recalled)
            return redirect(f"/rueckverfolgung/{batch_id}/rueckruf?zurueckgerufen={count}")
    context = _report_context(session, batch_id, form=form)
    return render(request, "tracing/recall.html", context, status_code=422)
