"""Produktion: production orders — the list with a status filter, planning, and the order's
page with every step: release (material check, shortages shown, release despite them),
consume (the FEFO proposal per component, each line's quantity changeable, or "everything
still planned by FEFO"), report output (batch number from the configured pattern unless
one is typed), complete; planned against actual quantities and cost.

Every step calls the service the API route calls (``production.orders``), with the same
roles (clerk; cancelling is the manager's, as in the API). The service takes no idempotency
key, so each step form carries the order's progress token and runs through
``production.order_steps.step_as_seen``: a form sent twice, or one shown before someone
else's posting, changes nothing the second time and shows the order as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.catalog.schemas import UnitRef
from landkontor.common import bounds
from landkontor.common.bounds import BusinessDate, Id, ItemNo, Note, PositiveQuantity
from landkontor.common.deps import SessionDep
from landkontor.common.schemas import InputModel
from landkontor.db.session import settings_of
from landkontor.errors import DomainError, InvalidInput
from landkontor.inventory import batches, locations
from landkontor.inventory.queries import fefo_stock
from landkontor.production import boms, orders
from landkontor.production.costing import order_costs
from landkontor.production.errors import MaterialShortage, OrderChanged
from landkontor.production.models import OrderStatus, ProductionOrder
from landkontor.production.order_steps import progress_token, step_as_seen
from landkontor.production.schemas import (
    CancelIn,
    ConsumptionIn,
    ConsumptionLineIn,
    OrderCreate,
    OutputIn,
)
from landkontor.web.formatting import PRODUCTION_STATUS, number
from landkontor.web.forms import FormState, form_values, german_decimal, parse_form
from landkontor.web.listing import Pager, list_query
from landkontor.web.messages import input_message, problem_message
from landkontor.web.pages import (
    WebRoute,
    WebUser,
    is_htmx,
    post_checks,
    redirect,
    render,
    require_role,
)

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

PLANNER = Role.clerk  # as the API's production order routes
CANCELLER = Role.manager  # as the API's cancel route
STATUS_OPTIONS = [("", "alle"), *((s.value, PRODUCTION_STATUS[s.value]) for s in OrderStatus)]
WORKING = (OrderStatus.released, OrderStatus.in_progress)
PLAN_FIELDS = (
    "item_no",
    "quantity",
    "unit",
    "warehouse_id",
    "output_location_id",
    "planned_date",
    "conversion_cost",
    "note",
)
OUTPUT_FIELDS = ("quantity", "location_id", "batch_no", "best_before", "complete")
TOKEN_FIELD = "stand"  # noqa: S105 (the order's progress token, no secret)
MAX_PICK_ROWS = 20  # stock rows offered per component
QUANTITY = TypeAdapter(PositiveQuantity)


class OrderForm(InputModel):
    """The plan form: the item by its number (bounds as the columns)."""

    item_no: ItemNo
    quantity: PositiveQuantity
    unit: UnitRef | None = None
    warehouse_id: Id
    output_location_id: Id | None = None
    planned_date: BusinessDate | None = None
    conversion_cost: bounds.Money = Decimal(0)
    note: Note = ""


# --- list and plan ---------------------------------------------------------------------
@router.get("/produktion")
def order_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("id",), default_sort="id", filters=("status", "artikel"))
    given = query.filters
    status = OrderStatus(given["status"]) if given["status"] in OrderStatus.__members__ else None
    notes: list[str] = []
    item_id = None
    if given["artikel"]:
        item = catalog.item_by_number(session, given["artikel"])
        item_id = item.id if item else 0
        if item is None:
            notes.append(f"Artikelnummer {given['artikel']} gibt es nicht.")
    rows, total = orders.list_orders(session, query.params, status=status, item_id=item_id)
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "query": query,
        "notes": notes,
        "status_options": STATUS_OPTIONS,
    }
    template = "production/_list.html" if is_htmx(request) else "production/index.html"
    return render(request, template, context)


def _plan_context(session: Any, form: FormState) -> dict[str, Any]:
    return {
        "form": form,
        "warehouses": locations.list_warehouses(session),
        "locations": locations.posting_locations(session),
    }


@router.get("/produktion/neu")
def plan_page(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PLANNER)
    values = {"item_no": request.query_params.get("artikel", "")[:64]}
    form = FormState(values={k: v for k, v in values.items() if v})
    return render(request, "production/new.html", _plan_context(session, form))


@router.post("/produktion/neu")
async def plan_order(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PLANNER)
    data, form = parse_form(OrderForm, await request.form(), fields=PLAN_FIELDS)
    if data is not None:
        item = catalog.item_by_number(session, data.item_no)
        if item is None:
            form.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
        else:
            body = OrderCreate(item_id=item.id, **data.model_dump(exclude={"item_no"}))
            try:
                order = orders.create_order(session, body, actor=user.username)
            except DomainError as error:
                form.fail(error, PLAN_FIELDS)
                if "item_id" in {str(e.get("field")) for e in error.errors}:
                    form.errors["item_no"] = problem_message(error)
                    form.message = None
                if "bom_id" in {str(e.get("field")) for e in error.errors}:
                    form.errors["item_no"] = "Für diesen Artikel gibt es keine gültige Rezeptur."
                    form.message = None
            else:
                return redirect(f"/produktion/{order.id}")
    context = _plan_context(session, form)
    return render(request, "production/new.html", context, status_code=422)


# --- the order --------------------------------------------------------------------------
def _pick_rows(session: Any, order: ProductionOrder, form: FormState) -> list[dict[str, Any]]:
    """Per open component: its usable stock in FEFO order with the proposal's quantities
    filled in (the user may change them); a form sent back keeps what was typed."""
    groups = []
    index = 0
    for component in order.components:
        open_quantity = component.planned_quantity - component.consumed_quantity
        stock = fefo_stock(session, component.item_id, order.warehouse_id)
        allocations, shortage = stock.take(max(open_quantity, Decimal(0)))
        proposed = {(a.row.location_id, a.row.batch_id): a.quantity for a in allocations}
        rows = []
        for row in stock.rows[:MAX_PICK_ROWS]:
            quantity = proposed.get((row.location_id, row.batch_id))
            name = f"qty-{index}"
            rows.append(
                {
                    "index": index,
                    "row": row,
                    "value": form.values.get(name, "" if quantity is None else number(quantity)),
                    "error": form.errors.get(name),
                }
            )
            index += 1
        groups.append(
            {
                "component": component,
                "open": max(open_quantity, Decimal(0)),
                "shortage": shortage,
                "rows": rows,
            }
        )
    return groups


def _order_context(session: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    order = orders.get_order(session, order_id)
    items = {c.item_id: catalog.get_item(session, c.item_id) for c in order.components}
    warehouse = locations.get_warehouse(session, order.warehouse_id)
    output_batches = {
        o.batch_id: batches.get_batch(session, o.batch_id) for o in order.outputs if o.batch_id
    }
    places = locations.locations_by_id(
        session,
        [o.location_id for o in order.outputs]
        + ([order.output_location_id] if order.output_location_id else []),
    )
    consume_form: FormState = extra.pop("consume_form", FormState())
    output_form: FormState = extra.pop(
        "output_form",
        FormState(values={"location_id": str(order.output_location_id or "")}),
    )
    return {
        "order": order,
        "bom": boms.get_bom(session, order.bom_id),
        "items": items,
        "warehouse": warehouse,
        "output_batches": output_batches,
        "places": places,
        "shortages": orders.shortages(session, order) if order.status in orders.OPEN else [],
        "costs": order_costs(session, order),
        "picks": _pick_rows(session, order, consume_form) if order.status in WORKING else [],
        "output_locations": [
            loc
            for loc in locations.posting_locations(session)
            if loc.warehouse_code == warehouse.code
        ]
        if order.status in WORKING
        else [],
        "batch_pattern": settings_of(session).production_batch_pattern,
        "token": progress_token(order),
        "token_field": TOKEN_FIELD,
        "consume_form": consume_form,
        "output_form": output_form,
        "cancel_form": extra.pop("cancel_form", FormState()),
        "notice": extra.pop("notice", None),
        "release_failed": extra.pop("release_failed", None),
        **extra,
    }


@router.get("/produktion/{order_id}")
def order_detail(order_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    return render(request, "production/detail.html", _order_context(session, order_id))


def _token(form: FormData) -> str:
    value = form.get(TOKEN_FIELD)
    return value[:64] if isinstance(value, str) else ""


def _step(
    request: Request, session: Any, order_id: int, submitted: FormData, step: Callable[[], Any]
) -> Response | None:
    """Run an order step as the form saw the order: None when it ran; when the order has
    changed since (a step sent twice, a page shown before another posting) nothing ran and
    the answer is the order as it is now with a German note (409). Other domain errors are
    the caller's to show at its form."""
    try:
        step_as_seen(session, order_id, _token(submitted), step)
    except OrderChanged as error:
        context = _order_context(session, order_id, notice=problem_message(error))
        return render(request, "production/detail.html", context, status_code=409)
    return None


def _order_page(request: Request, session: Any, order_id: int, **extra: Any) -> Response:
    """The order's page after a step the service refused (422 unless given)."""
    status = extra.pop("status_code", 422)
    context = _order_context(session, order_id, **extra)
    return render(request, "production/detail.html", context, status_code=status)


@router.post("/produktion/{order_id}/freigeben")
async def release(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    """Release with the material check; a shortage refuses unless "release anyway" was
    chosen on the page that showed it."""
    require_role(user, PLANNER)
    submitted = await request.form()
    strict = submitted.get("trotzdem") != "ja"
    try:
        changed = _step(
            request,
            session,
            order_id,
            submitted,
            lambda: orders.release_order(session, order_id, strict=strict, actor=user.username),
        )
    except MaterialShortage as error:
        return _order_page(
            request, session, order_id, release_failed=problem_message(error), status_code=409
        )
    return changed or redirect(f"/produktion/{order_id}")


def _consumption(submitted: FormData, form: FormState) -> ConsumptionIn | None:
    """The typed lines (empty and zero quantities left out); errors at their row."""
    lines = []
    items = submitted.getlist("line_item_id")
    batch_ids = submitted.getlist("line_batch_id")
    location_ids = submitted.getlist("line_location_id")
    if not len(items) == len(batch_ids) == len(location_ids):
        raise InvalidInput("the consumption lines are not complete", field="lines")
    for index, (item, batch, location) in enumerate(
        zip(items, batch_ids, location_ids, strict=True)
    ):
        raw = str(form.values.get(f"qty-{index}", "")).strip()
        if raw in ("", "0"):
            continue
        try:
            quantity = QUANTITY.validate_python(german_decimal(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            form.errors[f"qty-{index}"] = input_message(first["type"], first.get("ctx"))
            continue
        try:
            lines.append(
                ConsumptionLineIn(
                    item_id=int(str(item)),
                    quantity=quantity,
                    batch_id=int(str(batch)) if batch else None,
                    location_id=int(str(location)),
                )
            )
        except (ValueError, ValidationError):
            raise InvalidInput("a consumption line is not valid", field="lines") from None
    if form.errors:
        return None
    if not lines:
        form.message = "Bitte bei mindestens einer Zeile eine Menge eintragen."
        return None
    return ConsumptionIn(lines=lines)


@router.post("/produktion/{order_id}/entnehmen")
async def consume(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    """Consume the lines as typed (the FEFO proposal, changed or not), or with ``alles``
    everything still planned by FEFO."""
    require_role(user, PLANNER)
    orders.get_order(session, order_id)  # NotFound before reading the form
    submitted = await request.form()
    form = FormState(values=form_values(submitted))
    data = ConsumptionIn() if submitted.get("alles") == "ja" else _consumption(submitted, form)
    if data is not None:
        lines = data
        try:
            changed = _step(
                request,
                session,
                order_id,
                submitted,
                lambda: orders.consume(session, order_id, lines, actor=user.username),
            )
        except DomainError as error:
            form.message = problem_message(error)
        else:
            return changed or redirect(f"/produktion/{order_id}#verbrauch")
    return _order_page(request, session, order_id, consume_form=form)


@router.post("/produktion/{order_id}/ausbringung")
async def report_output(
    order_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """Report output into a new batch (numbered by the configured pattern unless typed);
    ``complete`` makes it the last one and completes the order."""
    require_role(user, PLANNER)
    orders.get_order(session, order_id)  # NotFound before reading the form
    submitted = await request.form()
    data, form = parse_form(OutputIn, submitted, fields=OUTPUT_FIELDS)
    if data is not None:
        output = data
        try:
            changed = _step(
                request,
                session,
                order_id,
                submitted,
                lambda: orders.post_output(session, order_id, output, actor=user.username),
            )
        except DomainError as error:
            form.fail(error, OUTPUT_FIELDS)
        else:
            return changed or redirect(f"/produktion/{order_id}#ausbringung")
    return _order_page(request, session, order_id, output_form=form)


@router.post("/produktion/{order_id}/abschliessen")
async def complete(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, PLANNER)
    submitted = await request.form()
    try:
        changed = _step(
            request,
            session,
            order_id,
            submitted,
            lambda: orders.complete_order(session, order_id, actor=user.username),
        )
    except DomainError as error:  # material consumed after the last output
        return _order_page(request, session, order_id, notice=problem_message(error))
    return changed or redirect(f"/produktion/{order_id}")


@router.post("/produktion/{order_id}/stornieren")
async def cancel(order_id: int, request: Request, user: WebUser, session: SessionDep) -> Response:
    """Cancel (manager, as the API): a started order's postings are reversed."""
    require_role(user, CANCELLER)
    orders.get_order(session, order_id)
    submitted = await request.form()
    data, form = parse_form(CancelIn, submitted)
    if data is not None:
        reason = data.reason
        try:
            changed = _step(
                request,
                session,
                order_id,
                submitted,
                lambda: orders.cancel_order(session, order_id, reason, actor=user.username),
            )
        except DomainError as error:
            form.fail(error, ("reason",))
        else:
            return changed or redirect(f"/produktion/{order_id}")
    return _order_page(request, session, order_id, cancel_form=form)
