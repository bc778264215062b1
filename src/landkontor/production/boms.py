"""Bills of materials (recipes): versions, one default per item, no cycles."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item, to_base_quantity
from landkontor.common.lookup import fetch
from landkontor.db.session import use_case
from landkontor.errors import InvalidInput
from landkontor.production.errors import BomCycle
from landkontor.production.models import BillOfMaterials, BomLine
from landkontor.production.schemas import BomCreate, BomUpdate


def get_bom(session: Session, bom_id: int, *, field: str | None = None) -> BillOfMaterials:
    return fetch(session, BillOfMaterials, bom_id, kind="recipe", field=field)


def list_boms(session: Session, item_id: int | None = None) -> list[BillOfMaterials]:
    stmt = select(BillOfMaterials).order_by(BillOfMaterials.item_id, BillOfMaterials.version)
    if item_id is not None:
        stmt = stmt.where(BillOfMaterials.item_id == item_id)
    return list(session.scalars(stmt))


def _components_reachable(session: Session, item_ids: set[int]) -> set[int]:
    """Every item that goes, through active recipes, into the given items (and themselves)."""
    seen = set(item_ids)
    frontier = set(item_ids)
    while frontier:
        below = set(
            session.scalars(
                select(BomLine.item_id)
                .join(BillOfMaterials, BillOfMaterials.id == BomLine.bom_id)
                .where(BillOfMaterials.item_id.in_(frontier), BillOfMaterials.active.is_(True))
            )
        )
        frontier = below - seen
        seen |= below
    return seen


def _check_cycle(session: Session, output_item_id: int, component_ids: list[int]) -> None:
    if output_item_id in _components_reachable(session, set(component_ids)):
        raise BomCycle(
            "this recipe would make the item a component of itself (through the recipes of "
            "its components)",
            field="lines",
        )


@use_case
def create_bom(session: Session, data: BomCreate) -> BillOfMaterials:
    """Create the next version of an item's recipe; as default it replaces the old default.

    InvalidInput when a component is the output item, repeats, or the recipe closes a cycle.
    """
    item = get_item(session, data.item_id, field="item_id")
    output_quantity = to_base_quantity(
        session, item, data.output_quantity, data.unit, field="output_quantity"
    ).quantity
    lines = []
    seen: set[int] = set()
    for index, line in enumerate(data.lines):
        field = f"lines[{index}].item_id"
        if line.item_id == item.id:
            raise InvalidInput("a component cannot be the output item itself", field=field)
        if line.item_id in seen:
            raise InvalidInput("each component once per recipe", field=field)
        seen.add(line.item_id)
        component = get_item(session, line.item_id, field=field)
        quantity = to_base_quantity(
            session, component, line.quantity, line.unit, field=f"lines[{index}].quantity"
        ).quantity
        lines.append(
            BomLine(
                line_no=index + 1,
                item_id=component.id,
                quantity=quantity,
                loss_percent=line.loss_percent,
            )
        )
    _check_cycle(session, item.id, [ln.item_id for ln in lines])
    version = (
        session.scalar(
            select(func.max(BillOfMaterials.version)).where(BillOfMaterials.item_id == item.id)
        )
        or 0
    ) + 1
    if data.is_default:
        _clear_default(session, item.id)
    bom = BillOfMaterials(
        item_id=item.id,
        version=version,
        name=data.name or f"{item.item_no} v{version}",
        output_quantity=output_quantity,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        is_default=data.is_default,
        lines=lines,
    )
    session.add(bom)
    session.flush()
    return bom


def _clear_default(session: Session, item_id: int) -> None:
    session.execute(
        update(BillOfMaterials)
        .where(BillOfMaterials.item_id == item_id, BillOfMaterials.is_default.is_(True))
        .values(is_default=False)
    )
    session.flush()


@use_case
def update_bom(session: Session, bom_id: int, data: BomUpdate) -> BillOfMaterials:
    """Rename, (de)activate, end or make a recipe the default. Lines never change: a new
    version is a new recipe, so orders keep the recipe they were planned with."""
    bom = get_bom(session, bom_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "is_default", "active"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field} cannot be empty", field=field)
    if changes.get("is_default"):
        _clear_default(session, bom.item_id)
    if changes.get("active"):
        _check_cycle(session, bom.item_id, [ln.item_id for ln in bom.lines])
    for field, value in changes.items():
        setattr(bom, field, value)
    session.flush()
    return bom


def default_bom(session: Session, item_id: int, on: date) -> BillOfMaterials | None:
    """The item's default recipe valid on a date."""
    return session.scalar(
        select(BillOfMaterials).where(
            BillOfMaterials.item_id == item_id,
            BillOfMaterials.is_default.is_(True),
            BillOfMaterials.active.is_(True),
            (BillOfMaterials.valid_from.is_(None)) | (BillOfMaterials.valid_from <= on),
            (BillOfMaterials.valid_to.is_(None)) | (BillOfMaterials.valid_to >= on),
        )
    )
