"""Job types of the catalog: ``import.items`` (CSV/XLSX upload) and ``export.items``.

The file layout is the same both ways, so an export can be edited and imported again:
item_no, name, base_unit, item_group, batch_managed, shelf_life_days, active,
allow_negative_stock, reorder_point, reorder_quantity, pack_units — pack units written as
``CODE:factor:name`` separated by ``|`` (``SACK25:25:Sack 25 kg|BB600:600:Big Bag``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import func, select

from landkontor.auth.roles import Role
from landkontor.catalog import service
from landkontor.catalog.models import Item
from landkontor.catalog.schemas import ItemCreate, ItemGroup
from landkontor.common.schemas import InputModel
from landkontor.errors import InvalidInput
from landkontor.jobs.context import JobContext
from landkontor.jobs.import_loop import (
    FileLayout,
    ImportSpec,
    import_upload,
    retry_on_conflict,
    spreadsheet_cells,
)
from landkontor.jobs.registry import job_type
from landkontor.jobs.tabular import write_table

ITEM_COLUMNS = [
    "item_no",
    "name",
    "base_unit",
    "item_group",
    "batch_managed",
    "shelf_life_days",
    "active",
    "allow_negative_stock",
    "reorder_point",
    "reorder_quantity",
    "pack_units",
]
REQUIRED_COLUMNS = ["item_no", "name", "base_unit"]
_BOOLEAN_FIELDS = ("batch_managed", "active", "allow_negative_stock")
_DECIMAL_FIELDS = ("reorder_point", "reorder_quantity")


def parse_pack_units(text: str) -> list[dict[str, str]]:
    """'SACK25:25:Sack 25 kg|BB600:600' → pack units (the name defaults to the code)."""
    units = []
    for part in text.split("|"):
        if not part.strip():
            continue
        pieces = [p.strip() for p in part.split(":", 2)]
        if len(pieces) < 2 or not pieces[0] or not pieces[1]:
            raise InvalidInput(
                f"pack unit {part.strip()!r} must be CODE:factor or CODE:factor:name",
                field="pack_units",
            )
        code, factor = pieces[0], pieces[1].replace(",", ".")
        units.append(
            {"code": code, "factor": factor, "name": pieces[2] if len(pieces) > 2 else code}
        )
    return units


def format_pack_units(item: Item) -> str:
    return "|".join(f"{u.code}:{u.factor.normalize():f}:{u.name}" for u in item.pack_units)


def item_input(values: dict[str, Any]) -> dict[str, Any]:
    """One file row as ItemCreate input: empty cells take the defaults, German yes/no and
    decimal commas are understood."""
    data = spreadsheet_cells(
        values,
        texts=("item_no", "name", "base_unit", "item_group"),
        decimals=_DECIMAL_FIELDS,
        booleans=_BOOLEAN_FIELDS,
    )
    if isinstance(data.get("pack_units"), str):
        data["pack_units"] = parse_pack_units(data["pack_units"])
    return data


ITEM_FILE = FileLayout(known=ITEM_COLUMNS, required=REQUIRED_COLUMNS)


class ImportItemsParams(InputModel):
    chunk_size: int = Field(1000, ge=10, le=10_000, description="Rows per transaction.")


@job_type(
    "import.items",
    params=ImportItemsParams,
    input_file=True,
    role=Role.manager,
    soft_time_limit=3600,
    check_input=ITEM_FILE.check_upload,
)
def import_items(ctx: JobContext, params: ImportItemsParams) -> dict:
    """Create or update items from a CSV/XLSX file; bad rows are reported, not imported."""
    spec = ImportSpec(
        model=ItemCreate,
        key=lambda item: item.item_no,
        apply=retry_on_conflict(service.upsert_items, "items"),
        to_input=item_input,
        chunk_size=params.chunk_size,
    )
    return import_upload(ctx, ITEM_FILE, spec)


class ExportItemsParams(InputModel):
    format: Literal["csv", "xlsx"] = "csv"
    active: bool | None = Field(None, description="Only active (true) or inactive (false) items.")
    group: ItemGroup | None = Field(None, description="Only this item group.")


EXPORT_BATCH = 1000


def _item_row(item: Item) -> list[Any]:
    return [
        item.item_no,
        item.name,
        item.base_unit.code,
        item.item_group,
        item.batch_managed,
        item.shelf_life_days,
        item.active,
        item.allow_negative_stock,
        _plain(item.reorder_point),
        _plain(item.reorder_quantity),
        format_pack_units(item),
    ]


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize() + 0  # 25.0000 → 25, keeps 12.5


@job_type("export.items", params=ExportItemsParams, soft_time_limit=1800)
def export_items(ctx: JobContext, params: ExportItemsParams) -> dict:
    """Items as CSV or XLSX (the import layout), ordered by item number."""
    query = service.item_query(group=params.group, active=params.active)
    rows: list[list[Any]] = []
    with ctx.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    last: str | None = None
    while True:
        # Keyset batches, each in its own short transaction: no transaction stays open
        # while progress is written (SQLite has one writer at a time).
        batch = query.limit(EXPORT_BATCH) if last is None else query.where(Item.item_no > last)
        with ctx.session() as session:
            items: list[Item] = list(session.scalars(batch.limit(EXPORT_BATCH)))
            rows += [_item_row(item) for item in items]
        if not items:
            break
        last = items[-1].item_no
        ctx.progress(len(rows), total, f"{len(rows)} of {total} items")
        ctx.check_cancelled()
    content, content_type = write_table(params.format, ITEM_COLUMNS, rows, sheet_title="Artikel")
    filename = f"items-{ctx.job_id[:8]}.{params.format}"
    ctx.attach_result(filename, content_type, content)
    return {"items": len(rows), "file": filename, "format": params.format, "bytes": len(content)}
