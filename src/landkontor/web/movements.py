"""Lagerbewegungen: the ledger with running balances (paged, filtered), forms for receipt,
issue (with the FEFO proposal), transfer and adjustment, a movement with its lines, and
its reversal after a confirmation.

Every posting form carries an idempotency key; the page hands it to the same service the
API route calls (``inventory.posting.post_request``), so a double click posts once. The
forms are one line each (a clerk at the weighbridge or in the hall posts one thing at a
time); the FEFO proposal of an issue posts all of its lines as one movement.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.catalog.schemas import UnitRef
from landkontor.common.bounds import (
    ID_MAX,
    BusinessDate,
    Id,
    ItemNo,
    Note,
    PositiveQuantity,
    Reference,
    SignedQuantity,
    UnitCost,
)
from landkontor.common.deps import SessionDep
from landkontor.common.pagination import PageParams
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError, InvalidInput
from landkontor.inventory import batches, locations, posting, queries
from landkontor.inventory.errors import AlreadyReversed, InsufficientStock
from landkontor.inventory.ledger_balance import ledger_with_balance
from landkontor.inventory.models import MovementType
from landkontor.inventory.posting import post_request
from landkontor.inventory.schemas import BatchNo, MovementIn, ReverseIn
from landkontor.web.formatting import MOVEMENT_TYPE
from landkontor.web.forms import (
    IDEMPOTENCY_FIELD,
    FormState,
    new_form_key,
    parse_form,
    positive_decimal,
)
from landkontor.web.listing import ListQuery, Pager, list_query
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

REVERSER = Role.manager  # as the API's reverse route
MAX_ID = ID_MAX
PROPOSED_QUANTITY = TypeAdapter(PositiveQuantity)

# German path segment of each form -> movement type.
KINDS: dict[str, MovementType] = {
    "eingang": MovementType.receipt,
    "ausgang": MovementType.issue,
    "umlagerung": MovementType.transfer,
    "korrektur": MovementType.adjustment,
}
# The fields each form shows, in focus order.
FIELDS: dict[MovementType, tuple[str, ...]] = {
    MovementType.receipt: (
        "item_no",
        "location_id",
        "quantity",
        "unit",
        "batch_no",
        "best_before",
        "unit_cost",
        "reference",
    ),
    MovementType.issue: ("item_no", "quantity", "unit", "location_id", "batch_no", "reference"),
    MovementType.transfer: (
        "item_no",
        "location_id",
        "to_location_id",
        "quantity",
        "unit",
        "batch_no",
        "reference",
    ),
    MovementType.adjustment: (
        "item_no",
        "location_id",
        "quantity",
        "unit",
        "batch_no",
        "unit_cost",
        "reason",
        "reference",
    ),
}
FILTERS = ("artikel", "charge", "art", "beleg", "lager")
TYPE_OPTIONS = [("", "alle"), *MOVEMENT_TYPE.items()]


class MovementForm(InputModel):
    """One line of a posting as the form sends it (bounds as the columns)."""

    item_no: ItemNo
    location_id: Id
    to_location_id: Id | None = None
    quantity: SignedQuantity
    unit: UnitRef | None = None
    batch_no: BatchNo | None = None
    best_before: BusinessDate | None = None
    unit_cost: UnitCost | None = None
    reference: Reference = ""
    reason: Note = ""


# Service field names (without the "lines[n]." prefix) -> the form's field.
_SERVICE_FIELDS = {
    "item_id": "item_no",
    "location_id": "location_id",
    "to_location_id": "to_location_id",
    "quantity": "quantity",
    "unit": "unit",
    "batch_id": "batch_no",
    "batch": "batch_no",
    "batch.batch_no": "batch_no",
    "batch.best_before": "best_before",
    "unit_cost": "unit_cost",
    "reason": "reason",
    "reference": "reference",
}
_LINE_PREFIX = re.compile(r"^lines\[\d+\]\.?")


def place_error(form: FormState, error: DomainError, fields: tuple[str, ...]) -> FormState:
    """Show a posting service's error at the form field it concerns (else above the form).
    Too little stock concerns the quantity the user typed."""
    message = problem_message(error)
    for entry in error.errors:
        name = _SERVICE_FIELDS.get(_LINE_PREFIX.sub("", str(entry.get("field", ""))))
        if name in fields:
            form.errors[name] = message
    if not form.errors:
        if isinstance(error, InsufficientStock) and "quantity" in fields:
            form.errors["quantity"] = message
        else:
            form.message = message
    return form


def _key(form: FormData) -> str | None:
    key = form.get(IDEMPOTENCY_FIELD)
    return key if isinstance(key, str) and 0 < len(key) <= 200 else None


def _movement_body(
    session: Any, kind: MovementType, data: MovementForm, form: FormState
) -> MovementIn | None:
    """The service's request for the typed line; errors of lookups land at their field."""
    item = catalog.item_by_number(session, data.item_no)
    if item is None:
        form.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
        return None
    line: dict[str, Any] = {
        "item_id": item.id,
        "quantity": data.quantity,
        "unit": data.unit,
        "location_id": data.location_id,
    }
    if kind == MovementType.transfer:
        line["to_location_id"] = data.to_location_id
    if data.unit_cost is not None:
        line["unit_cost"] = data.unit_cost
    if data.batch_no and kind == MovementType.receipt:
        line["batch"] = {"batch_no": data.batch_no, "best_before": data.best_before}
    elif data.batch_no:
        batch = batches.find_batch(session, item.id, data.batch_no)
        if batch is None:
            form.errors["batch_no"] = "Diese Charge gibt es für den Artikel nicht."
            return None
        line["batch_id"] = batch.id
    elif data.best_before is not None:
        form.errors["batch_no"] = "Ein MHD gehört zu einer Charge: bitte die Chargennummer."
        return None
    try:
        return MovementIn(type=kind, reference=data.reference, reason=data.reason, lines=[line])
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())]
            name = _SERVICE_FIELDS.get(loc[-1] if loc else "", "reason" if not loc else "")
            if name:
                form.errors.setdefault(name, input_message(error["type"], error.get("ctx")))
        if not form.errors:
            form.message = input_message("")
        return None


def _form_context(session: Any, kind: MovementType, form: FormState, **extra: Any) -> dict:
    slug = next(s for s, k in KINDS.items() if k == kind)
    return {
        "kind": kind,
        "slug": slug,
        "kinds": KINDS,
        "fields": FIELDS[kind],
        "form": form,
        "locations": locations.posting_locations(session),
        "key": new_form_key(),
        "key_field": IDEMPOTENCY_FIELD,
        **extra,
    }


def _kind(slug: str) -> MovementType:
    kind = KINDS.get(slug)
    if kind is None:
        raise InvalidInput(f"no movement form {slug}", field="art")
    return kind


@router.get("/lagerbewegungen")
def ledger_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    query = list_query(request, sorts=("posted_at",), default_sort="posted_at", filters=FILTERS)
    filters, notes = _ledger_filters(session, query)
    rows, total = ledger_with_balance(session, query.params, **filters)
    context = {
        "rows": rows,
        "pager": Pager(query, total),
        "query": query,
        "notes": notes,
        "type_options": TYPE_OPTIONS,
        "warehouses": locations.list_warehouses(session),
        "kinds": KINDS,
    }
    template = "movements/_list.html" if is_htmx(request) else "movements/index.html"
    return render(request, template, context)


def _ledger_filters(session: Any, query: ListQuery) -> tuple[dict[str, Any], list[str]]:
    given = query.filters
    filters: dict[str, Any] = {}
    notes: list[str] = []
    if given["art"] in MovementType.__members__:
        filters["movement_type"] = MovementType(given["art"])
    if given["beleg"]:
        filters["reference"] = given["beleg"][:100]
    if given["lager"].isdigit() and 0 < int(given["lager"]) <= MAX_ID:
        filters["warehouse_id"] = int(given["lager"])
    item = catalog.item_by_number(session, given["artikel"]) if given["artikel"] else None
    if given["artikel"]:
        filters["item_id"] = item.id if item else 0
        if item is None:
            notes.append(f"Artikelnummer {given['artikel']} gibt es nicht.")
    if given["charge"]:
        batch = batches.find_batch(session, item.id, given["charge"]) if item else None
        filters["batch_id"] = batch.id if batch else 0
        if batch is None:
            notes.append(
                f"Charge {given['charge']} gibt es für diesen Artikel nicht."
                if item
                else "Eine Charge bitte zusammen mit ihrer Artikelnummer suchen."
            )
    return filters, notes


@router.get("/lagerbewegungen/vorschlag")
def fefo_proposal(request: Request, _: WebUser, session: SessionDep) -> Response:
    """The FEFO proposal for the item and quantity typed into the issue form (htmx)."""
    given = request.query_params
    item_no = given.get("item_no", "").strip()[:64]
    raw = given.get("quantity", "").strip()[:40]
    unit = given.get("unit", "").strip()[:20] or None
    context: dict[str, Any] = {"proposal": None, "note": "", "item": None}
    item = catalog.item_by_number(session, item_no) if item_no else None
    quantity = positive_decimal(raw)
    if item is None or quantity is None:
        context["note"] = "Artikelnummer und Menge eingeben, dann erscheint der Vorschlag."
    else:
        try:
            context["proposal"] = queries.pick_proposal(session, item.id, quantity, unit=unit)
        except DomainError as error:
            context["note"] = problem_message(error)
        context.update(item=item, quantity=raw, unit=unit or "", key=new_form_key())
        context["key_field"] = IDEMPOTENCY_FIELD
    return render(request, "movements/_proposal.html", context)


@router.post("/lagerbewegungen/ausgang/vorschlag")
async def post_proposal(request: Request, user: WebUser, session: SessionDep) -> Response:
    """Issue the proposal's lines as one movement (the lines shown; the service checks
    them again, so a proposal that went stale is refused, not half posted)."""
    submitted = await request.form()
    item = catalog.item_by_number(session, str(submitted.get("item_no", ""))[:64])
    lines = []
    try:
        for location, batch, quantity in zip(
            submitted.getlist("line_location_id"),
            submitted.getlist("line_batch_id"),
            submitted.getlist("line_quantity"),
            strict=True,
        ):
            lines.append(
                {
                    "item_id": item.id if item else 0,
                    "location_id": _id(location),
                    "batch_id": _id(batch) if batch else None,
                    "quantity": PROPOSED_QUANTITY.validate_python(str(quantity)),
                }
            )
        body = MovementIn(
            type=MovementType.issue,
            reference=str(submitted.get("reference", ""))[:100],
            lines=lines,
        )
    except (ValueError, ArithmeticError, ValidationError):
        raise InvalidInput("the proposal's lines are not valid", field="lines") from None
    movement, _ = post_request(session, body, actor=user.username, key=_key(submitted))
    return redirect(f"/lagerbewegungen/{movement.id}")


def _id(text: Any) -> int:
    value = int(str(text))
    if not 0 < value <= MAX_ID:
        raise ValueError("id out of range")
    return value


@router.get("/lagerbewegungen/neu/{slug}")
def new_movement(slug: str, request: Request, _: WebUser, session: SessionDep) -> Response:
    kind = _kind(slug)
    values = {name: request.query_params.get(name, "")[:100] for name in FIELDS[kind]}
    form = FormState(values={k: v for k, v in values.items() if v})
    return render(request, "movements/new.html", _form_context(session, kind, form))


@router.post("/lagerbewegungen/neu/{slug}")
async def post_new_movement(
    slug: str, request: Request, user: WebUser, session: SessionDep
) -> Response:
    kind = _kind(slug)
    submitted = await request.form()
    data, form = parse_form(MovementForm, submitted, fields=FIELDS[kind])
    if data is not None:
        body = _movement_body(session, kind, data, form)
        if body is not None:
            try:
                movement, _ = post_request(session, body, actor=user.username, key=_key(submitted))
            except DomainError as error:
                place_error(form, error, FIELDS[kind])
            else:
                return redirect(f"/lagerbewegungen/{movement.id}")
    context = _form_context(session, kind, form)
    context["key"] = _key(submitted) or context["key"]  # the same posting, tried again
    return render(request, "movements/new.html", context, status_code=422)


def _movement_context(session: Any, movement_id: int, **extra: Any) -> dict[str, Any]:
    movement = posting.get_movement(session, movement_id)
    page = PageParams(limit=max(1, len(movement.lines)))
    lines, _ = ledger_with_balance(session, page, movement_id=movement.id)
    reversed_by = next((row.reversed_by for row in lines if row.reversed_by), None)
    return {
        "movement": movement,
        "lines": sorted(lines, key=lambda r: r[0].line_no),
        "reversed_by": reversed_by,
        **extra,
    }


@router.get("/lagerbewegungen/{movement_id}")
def movement_detail(
    movement_id: int, request: Request, _: WebUser, session: SessionDep
) -> Response:
    return render(request, "movements/detail.html", _movement_context(session, movement_id))


@router.get("/lagerbewegungen/{movement_id}/stornieren")
def confirm_reversal(
    movement_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, REVERSER)
    context = _movement_context(session, movement_id, form=FormState())
    return render(request, "movements/reverse.html", context)


@router.post("/lagerbewegungen/{movement_id}/stornieren")
async def reverse(
    movement_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    require_role(user, REVERSER)
    data, form = parse_form(ReverseIn, await request.form())
    if data is not None:
        try:
            reversal = posting.reverse_movement(
                session, movement_id, reason=data.reason, actor=user.username
            )
        except AlreadyReversed:
            return redirect(f"/lagerbewegungen/{movement_id}")  # a second click: done already
        except DomainError as error:
            form.fail(error, ("reason",))
        else:
            return redirect(f"/lagerbewegungen/{reversal.id}")
    context = _movement_context(session, movement_id, form=form)
    return render(request, "movements/reverse.html", context, status_code=422)
