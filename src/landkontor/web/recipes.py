"""Rezepturen (bills of materials): the list of every recipe version, a recipe with its
components, a new recipe and a new version of one (a recipe's lines never change: a new
version is a new recipe, as ``production.boms`` rules), make a version the default or
(de)activate it. Writing is the manager's, as in the API.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from landkontor.auth.roles import Role
from landkontor.catalog import service as catalog
from landkontor.catalog.schemas import UnitRef
from landkontor.common import bounds
from landkontor.common.bounds import BusinessDate, ItemNo, PositiveQuantity
from landkontor.common.deps import SessionDep
from landkontor.common.schemas import InputModel
from landkontor.errors import DomainError
from landkontor.production import boms
from landkontor.production.schemas import BomCreate, BomLineIn, BomName, BomUpdate
from landkontor.web.formatting import number
from landkontor.web.forms import FormState, german_decimal, parse_form
from landkontor.web.messages import input_message, problem_message
from landkontor.web.pages import WebRoute, WebUser, post_checks, redirect, render, require_role

router = APIRouter(route_class=WebRoute, dependencies=[Depends(post_checks)])

RECIPE_WRITER = Role.manager  # as the API's recipe routes
HEAD_FIELDS = ("item_no", "name", "output_quantity", "unit", "valid_from", "valid_to", "is_default")
LINE_ROWS = 8  # empty component rows offered (more when a version copies more)
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(item_id|quantity|loss_percent)$")
_ROW_FIELD = {"item_id": "item_no", "quantity": "quantity", "loss_percent": "loss"}


class BomForm(InputModel):
    """The recipe's head as the form sends it: the item by its number."""

    item_no: ItemNo
    name: BomName = ""
    output_quantity: PositiveQuantity
    unit: UnitRef | None = None
    valid_from: BusinessDate | None = None
    valid_to: BusinessDate | None = None
    is_default: bool = True


class BomLineForm(InputModel):
    """One component row: the component by its number."""

    item_no: ItemNo
    quantity: PositiveQuantity
    loss_percent: bounds.PercentBelow100 = Decimal(0)


@router.get("/produktion/rezepturen")
def recipe_list(request: Request, _: WebUser, session: SessionDep) -> Response:
    wanted = request.query_params.get("artikel", "").strip()[:64]
    item = catalog.item_by_number(session, wanted) if wanted else None
    rows = boms.list_boms(session, item.id if item else None) if item or not wanted else []
    notes = [f"Artikelnummer {wanted} gibt es nicht."] if wanted and item is None else []
    context = {"rows": rows, "artikel": wanted, "notes": notes}
    return render(request, "production/recipes.html", context)


def _component_items(session: Any, bom: Any) -> dict[int, Any]:
    return {line.item_id: catalog.get_item(session, line.item_id) for line in bom.lines}


@router.get("/produktion/rezepturen/neu")
def new_recipe_page(request: Request, user: WebUser, session: SessionDep) -> Response:
    """An empty recipe, or with ``von`` the next version of that recipe, copied to edit."""
    require_role(user, RECIPE_WRITER)
    values: dict[str, str] = {"is_default": "on"}
    rows = LINE_ROWS
    source = request.query_params.get("von", "")
    if source.isdigit() and len(source) < 19:
        bom = boms.get_bom(session, int(source))
        components = _component_items(session, bom)
        values.update(
            item_no=bom.item.item_no, name="", output_quantity=number(bom.output_quantity)
        )
        for index, line in enumerate(bom.lines):
            values[f"item_no-{index}"] = components[line.item_id].item_no
            values[f"quantity-{index}"] = number(line.quantity)
            values[f"loss-{index}"] = number(line.loss_percent) if line.loss_percent else ""
        rows = max(LINE_ROWS, len(bom.lines) + 2)
    else:
        values["item_no"] = request.query_params.get("artikel", "")[:64]
    context = {"form": FormState(values=values), "rows": rows}
    return render(request, "production/recipe_new.html", context)


def _lines(session: Any, submitted: FormData, form: FormState) -> tuple[list[BomLineIn], list[int]]:
    """The filled component rows as service lines, and each line's form row; errors at
    the row's fields."""
    lines: list[BomLineIn] = []
    rows: list[int] = []
    for index in range(200):
        names = (f"item_no-{index}", f"quantity-{index}", f"loss-{index}")
        if names[0] not in submitted:
            break
        item_no, quantity, loss = (str(submitted.get(n, "")).strip() for n in names)
        if not (item_no or quantity or loss):
            continue
        data = {"item_no": item_no, "quantity": german_decimal(quantity) if quantity else None}
        if loss:
            data["loss_percent"] = german_decimal(loss)
        try:
            line = BomLineForm.model_validate({k: v for k, v in data.items() if v is not None})
        except ValidationError as exc:
            for error in exc.errors():
                field = {"item_no": "item_no", "quantity": "quantity", "loss_percent": "loss"}.get(
                    str(error["loc"][0]), "item_no"
                )
                form.errors.setdefault(
                    f"{field}-{index}", input_message(error["type"], error.get("ctx"))
                )
            continue
        item = catalog.item_by_number(session, line.item_no)
        if item is None:
            form.errors[f"item_no-{index}"] = "Diese Artikelnummer gibt es nicht."
            continue
        lines.append(
            BomLineIn(item_id=item.id, quantity=line.quantity, loss_percent=line.loss_percent)
        )
        rows.append(index)
    if not lines and not form.errors:
        form.errors["item_no-0"] = "Bitte mindestens eine Komponente eintragen."
    return lines, rows


def _place(form: FormState, error: DomainError, rows: list[int]) -> None:
    """A service error on ``lines[i].…`` lands at that component's row."""
    message = problem_message(error)
    for entry in error.errors:
        found = _LINE_FIELD.match(str(entry.get("field", "")))
        if found and int(found.group(1)) < len(rows):
            row = rows[int(found.group(1))]
            form.errors[f"{_ROW_FIELD[found.group(2)]}-{row}"] = message
        elif entry.get("field") == "lines":
            form.errors["item_no-0"] = message
        elif entry.get("field") == "item_id":
            form.errors["item_no"] = message
    if not form.errors:
        form.fail(error, HEAD_FIELDS)


@router.post("/produktion/rezepturen/neu")
async def create_recipe(request: Request, user: WebUser, session: SessionDep) -> Response:
    require_role(user, RECIPE_WRITER)
    submitted = await request.form()
    head, form = parse_form(BomForm, submitted, fields=HEAD_FIELDS)
    lines, rows = _lines(session, submitted, form)
    item = catalog.item_by_number(session, head.item_no) if head else None
    if head is not None and item is None:
        form.errors["item_no"] = "Diese Artikelnummer gibt es nicht."
    if head is not None and item is not None and not form.errors:
        try:
            body = BomCreate(item_id=item.id, lines=lines, **head.model_dump(exclude={"item_no"}))
            bom = boms.create_bom(session, body)
        except ValidationError:  # the one rule of the model across fields
            form.errors["valid_to"] = "Das Ende liegt vor dem Beginn der Gültigkeit."
        except DomainError as error:
            _place(form, error, rows)
        else:
            return redirect(f"/produktion/rezepturen/{bom.id}")
    count = sum(1 for name in submitted if str(name).startswith("item_no-"))
    context = {"form": form, "rows": max(count, LINE_ROWS)}
    return render(request, "production/recipe_new.html", context, status_code=422)


@router.get("/produktion/rezepturen/{bom_id}")
def recipe_detail(bom_id: int, request: Request, _: WebUser, session: SessionDep) -> Response:
    bom = boms.get_bom(session, bom_id)
    context = {"bom": bom, "components": _component_items(session, bom)}
    return render(request, "production/recipe.html", context)


@router.post("/produktion/rezepturen/{bom_id}/aendern")
async def change_recipe(
    bom_id: int, request: Request, user: WebUser, session: SessionDep
) -> Response:
    """Make the version the default, or (de)activate it (the buttons send one field)."""
    require_role(user, RECIPE_WRITER)
    boms.get_bom(session, bom_id)
    submitted = await request.form()
    change = str(submitted.get("aenderung", ""))
    updates = {
        "standard": BomUpdate(is_default=True),
        "aktivieren": BomUpdate(active=True),
        "deaktivieren": BomUpdate(active=False, is_default=False),
    }
    update = updates.get(change)
    if update is None:
        return redirect(f"/produktion/rezepturen/{bom_id}")
    boms.update_bom(session, bom_id, update)
    return redirect(f"/produktion/rezepturen/{bom_id}")
