"""Units and items: master data and exact quantity conversion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from landkontor.catalog.models import Item, ItemUnit, Unit
from landkontor.catalog.schemas import (
    ItemCreate,
    ItemOut,
    ItemUpdate,
    PackUnitIn,
    PackUnitOut,
    UnitCreate,
)
from landkontor.catalog.units import convert, exact_quantity
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate_counted
from landkontor.db.base import table_of
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.errors import AlreadyExists, DomainError, InvalidInput, not_found

# Units every installation starts with (created by the migration).
STANDARD_UNITS = [
    ("kg", "Kilogramm", "mass", Decimal(1)),
    ("g", "Gramm", "mass", Decimal("0.001")),
    ("dt", "Doppelzentner", "mass", Decimal(100)),
    ("t", "Tonne", "mass", Decimal(1000)),
    ("l", "Liter", "volume", Decimal(1)),
    ("m3", "Kubikmeter", "volume", Decimal(1000)),
    ("Stk", "Stück", "count", Decimal(1)),
]


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.dimension, Unit.factor)))


def unit_by_code(session: Session, code: str, *, field: str = "unit") -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise InvalidInput(f"unknown unit {code!r}", field=field)
    return unit


@use_case
def create_unit(session: Session, data: UnitCreate) -> Unit:
    if session.scalar(select(Unit.id).where(Unit.code == data.code)) is not None:
        raise AlreadyExists(f"unit {data.code} already exists", field="code")
    unit = Unit(code=data.code, name=data.name, dimension=data.dimension, factor=data.factor)
    session.add(unit)
    session.flush()
    return unit


def get_item(session: Session, item_id: int, *, field: str | None = None) -> Item:
    """The item with this id. NotFound, or InvalidInput naming ``field`` when given."""
    return fetch(session, Item, item_id, kind="item", field=field)


def item_by_number(session: Session, item_no: str) -> Item | None:
    return session.scalar(select(Item).where(Item.item_no == item_no))


def items_by_id(session: Session, item_ids: Iterable[int]) -> dict[int, Item]:
    """The items of these ids in one statement (for documents and lists that name them)."""
    wanted = set(item_ids)
    if not wanted:
        return {}
    return {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(wanted)))}


# Columns an item list may be sorted by (the web list's sort links name these).
ITEM_SORTS = {"item_no": Item.item_no, "name": Item.name, "item_group": Item.item_group}


def _item_filters(
    stmt: Select,
    *,
    search: str | None,
    group: str | None,
    active: bool | None,
    sort: str,
    descending: bool,
) -> Select:
    column = ITEM_SORTS.get(sort)
    if column is None:
        raise InvalidInput(f"items cannot be sorted by {sort!r}", field="sort")
    stmt = stmt.order_by(column.desc() if descending else column.asc(), Item.item_no)
    if search:
        pattern = f"%{search.lower()}%"
        stmt = stmt.where(or_(Item.item_no.ilike(pattern), Item.name.ilike(pattern)))
    if group:
        stmt = stmt.where(Item.item_group == group)
    if active is not None:
        stmt = stmt.where(Item.active.is_(active))
    return stmt


def item_query(
    *,
    search: str | None = None,
    group: str | None = None,
    active: bool | None = None,
    sort: str = "item_no",
    descending: bool = False,
) -> Select:
    """Items by search text (number or name), group and active flag, sorted by ``sort``
    (a key of ITEM_SORTS; InvalidInput otherwise), ties by item number."""
    stmt = select(Item).options(selectinload(Item.pack_units))
    return _item_filters(
        stmt, search=search, group=group, active=active, sort=sort, descending=descending
    )


# What an item response shows, as columns: no entity, no identity map, no lazy load.
_ITEM_VIEW = select(
    Item.id,
    Item.item_no,
    Item.name,
    Unit.code.label("base_unit"),
    Item.item_group,
    Item.batch_managed,
    Item.shelf_life_days,
    Item.active,
    Item.allow_negative_stock,
    Item.reorder_point,
    Item.reorder_quantity,
    Item.base_price,
    Item.vat_category,
    Item.created_at,
).join(Unit, Unit.id == Item.base_unit_id)
_PACK_UNITS = select(ItemUnit.item_id, ItemUnit.id, ItemUnit.code, ItemUnit.name, ItemUnit.factor)


def _item_views(session: Session, rows: Sequence[Row]) -> list[ItemOut]:
    """Responses of item rows of ``_ITEM_VIEW``, their pack units read in one statement."""
    packs: dict[int, list[PackUnitOut]] = {row.id: [] for row in rows}
    if packs:
        for pack in session.execute(
            _PACK_UNITS.where(ItemUnit.item_id.in_(packs)).order_by(ItemUnit.code)
        ):
            packs[pack.item_id].append(PackUnitOut.model_validate(pack._mapping))
    return [ItemOut.model_validate({**row._mapping, "pack_units": packs[row.id]}) for row in rows]


def item_view(session: Session, item_id: int) -> ItemOut:
    """The response of one item (NotFound)."""
    row = session.execute(_ITEM_VIEW.where(Item.id == item_id)).first()
    if row is None:
        raise not_found("item", item_id)
    return _item_views(session, [row])[0]


def list_items(
    session: Session,
    params: PageParams,
    *,
    search: str | None = None,
    group: str | None = None,
    active: bool | None = None,
) -> tuple[list[ItemOut], int]:
    """One page of item responses (filters as :func:`item_query`) and how many there are."""
    stmt = _item_filters(
        _ITEM_VIEW, search=search, group=group, active=active, sort="item_no", descending=False
    )
    rows, total = paginate_counted(session, stmt, params)
    return _item_views(session, rows), total


def _check_pack_units(units: list[PackUnitIn], base: Unit) -> None:
    codes = [u.code for u in units]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise InvalidInput(f"pack unit codes repeat: {sorted(duplicates)}", field="pack_units")
    if base.code in codes:
        raise InvalidInput(f"{base.code} is the base unit already", field="pack_units")


@use_case
def create_item(session: Session, data: ItemCreate) -> Item:
    """Create an item. AlreadyExists for a taken item number; InvalidInput for an unknown unit."""
    if item_by_number(session, data.item_no) is not None:
        raise AlreadyExists(f"item {data.item_no} already exists", field="item_no")
    base = unit_by_code(session, data.base_unit, field="base_unit")
    _check_pack_units(data.pack_units, base)
    item = Item(
        item_no=data.item_no,
        name=data.name,
        base_unit=base,
        item_group=data.item_group,
        batch_managed=data.batch_managed,
        shelf_life_days=data.shelf_life_days,
        active=data.active,
        allow_negative_stock=data.allow_negative_stock,
        reorder_point=data.reorder_point,
        reorder_quantity=data.reorder_quantity,
        base_price=data.base_price,
        vat_category=data.vat_category,
        pack_units=[
            ItemUnit(code=u.code, name=u.name, factor=exact_quantity(u.factor, field="factor"))
            for u in data.pack_units
        ],
    )
    session.add(item)
    session.flush()
    session.refresh(item)
    return item


_REQUIRED_ITEM_FIELDS = ("name", "item_group", "active", "allow_negative_stock", "vat_category")


@use_case
def update_item(session: Session, item_id: int, data: ItemUpdate) -> Item:
    item = get_item(session, item_id)
    for field in data.model_fields_set:
        value = getattr(data, field)
        if value is None and field in _REQUIRED_ITEM_FIELDS:
            raise InvalidInput(f"{field} cannot be empty", field=field)
        setattr(item, field, value)
    session.flush()
    return item


@use_case
def add_pack_unit(session: Session, item_id: int, data: PackUnitIn) -> Item:
    item = get_item(session, item_id)
    _check_pack_units([*map(_as_input, item.pack_units), data], item.base_unit)
    item.pack_units.append(
        ItemUnit(code=data.code, name=data.name, factor=exact_quantity(data.factor, field="factor"))
    )
    session.flush()
    session.refresh(item)
    return item


def _as_input(unit: ItemUnit) -> PackUnitIn:
    return PackUnitIn(code=unit.code, name=unit.name, factor=unit.factor)


@dataclass(frozen=True)
class Converted:
    quantity: Decimal  # in the item's base unit
    unit: str  # the unit it was given in


def to_base_quantity(
    session: Session, item: Item, quantity: Decimal, unit: str | None, *, field: str = "quantity"
) -> Converted:
    """Convert ``quantity`` given in ``unit`` (None = base unit) into the item's base unit.

    Accepted: the base unit, the item's pack units, and units of the same dimension as the
    base unit (t for an item kept in kg). The result must be exact at 4 decimals.
    Raises InvalidInput naming ``field`` (or its ``unit`` sibling) otherwise.
    """
    base = item.base_unit
    if unit is None or unit == base.code:
        return Converted(exact_quantity(quantity, field=field), base.code)
    for pack in item.pack_units:
        if pack.code == unit:
            return Converted(convert(quantity, pack.factor, Decimal(1), field=field), unit)
    unit_field = field.rsplit(".", 1)[0] + ".unit" if "." in field else "unit"
    other = session.scalar(select(Unit).where(Unit.code == unit))
    if other is None:
        raise InvalidInput(f"unknown unit {unit!r}", field=unit_field)
    if other.dimension != base.dimension:
        raise InvalidInput(
            f"item {item.item_no} is kept in {base.code}; {unit} ({other.dimension}) "
            f"does not convert to {base.dimension}",
            field=unit_field,
        )
    return Converted(convert(quantity, other.factor, base.factor, field=field), unit)


# --- bulk upsert (imports) ---------------------------------------------------------------

ITEM_CREATED, ITEM_UPDATED, ITEM_UNCHANGED = "created", "updated", "unchanged"
_MUTABLE_ITEM_FIELDS = (
    "name",
    "item_group",
    "shelf_life_days",
    "active",
    "allow_negative_stock",
    "reorder_point",
    "reorder_quantity",
)


@use_case
def upsert_items(session: Session, items: list[ItemCreate]) -> list[str | DomainError]:
    """Create or update items by item number, as one transaction (an import chunk).

    Returns one outcome per input, in order: "created", "updated", "unchanged", or the
    DomainError that refused that item (the others are still applied). Rules as for
    create_item; in addition the base unit and batch management of an existing item cannot
    change, and an existing pack unit keeps its factor. Running it twice with the same
    items changes nothing the second time.
    """
    units = {u.code: u for u in session.scalars(select(Unit))}
    numbers = [data.item_no for data in items]
    existing = {
        i.item_no: i for i in session.scalars(select(Item).where(Item.item_no.in_(numbers)))
    }
    new: dict[str, tuple[ItemCreate, Unit, dict[str, Decimal]]] = {}
    outcomes: list[str | DomainError] = []
    for data in items:
        try:
            outcomes.append(_upsert_item(data, units, existing, new))
        except DomainError as exc:
            outcomes.append(exc)
    session.flush()
    _insert_items(session, list(new.values()))
    return outcomes


def _insert_items(session: Session, new: list[tuple[ItemCreate, Unit, dict[str, Decimal]]]) -> None:
    """Plain multi-row INSERTs (no ORM unit of work): imports create thousands at a time."""
    if not new:
        return
    now = utcnow()
    session.execute(
        table_of(Item).insert(),
        [
            {
                "item_no": data.item_no,
                "base_unit_id": base.id,
                "batch_managed": data.batch_managed,
                "created_at": now,
                "updated_at": now,
                **{name: getattr(data, name) for name in _MUTABLE_ITEM_FIELDS},
            }
            for data, base, _ in new
        ],
    )
    packs = [(data, factors) for data, _, factors in new if factors]
    if not packs:
        return
    numbers = [data.item_no for data, _ in packs]
    found = session.execute(select(Item.item_no, Item.id).where(Item.item_no.in_(numbers)))
    ids = dict(found.tuples().all())
    session.execute(
        table_of(ItemUnit).insert(),
        [
            {
                "item_id": ids[data.item_no],
                "code": u.code,
                "name": u.name,
                "factor": factors[u.code],
            }
            for data, factors in packs
            for u in data.pack_units
        ],
    )


def _upsert_item(
    data: ItemCreate,
    units: dict[str, Unit],
    existing: dict[str, Item],
    new: dict[str, tuple[ItemCreate, Unit, dict[str, Decimal]]],
) -> str:
    base = units.get(data.base_unit)
    if base is None:
        raise InvalidInput(f"unknown unit {data.base_unit!r}", field="base_unit")
    _check_pack_units(data.pack_units, base)
    packs = {u.code: exact_quantity(u.factor, field="pack_units") for u in data.pack_units}
    if data.item_no in new:
        raise InvalidInput(f"item {data.item_no} is given twice", field="item_no")
    item = existing.get(data.item_no)
    if item is None:
        new[data.item_no] = (data, base, packs)
        return ITEM_CREATED
    if item.base_unit_id != base.id:
        raise InvalidInput(
            f"item {item.item_no} is kept in {item.base_unit.code}; the base unit cannot change",
            field="base_unit",
        )
    if item.batch_managed != data.batch_managed:
        raise InvalidInput(
            f"batch management of item {item.item_no} cannot change", field="batch_managed"
        )
    current = {u.code: u for u in item.pack_units}
    for unit in data.pack_units:
        known = current.get(unit.code)
        if known is not None and known.factor != packs[unit.code]:
            raise InvalidInput(
                f"pack unit {unit.code} of item {item.item_no} holds {known.factor}; "
                "its factor cannot change",
                field="pack_units",
            )
    changed = False
    for name in _MUTABLE_ITEM_FIELDS:
        value = getattr(data, name)
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    for unit in data.pack_units:
        known = current.get(unit.code)
        if known is None:
            item.pack_units.append(
                ItemUnit(code=unit.code, name=unit.name, factor=packs[unit.code])
            )
            changed = True
        elif known.name != unit.name:
            known.name = unit.name
            changed = True
    return ITEM_UPDATED if changed else ITEM_UNCHANGED
