"""Batches (Chargen): creation with best-before defaults, status changes with an audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session, contains_eager

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch
from landkontor.common.pagination import PageParams, paginate, paginate_rows
from landkontor.db.session import settings_of, use_case
from landkontor.errors import AlreadyExists, InvalidInput, InvalidState, not_found
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    BatchStatus,
    BatchStatusChange,
    StockLevel,
)
from landkontor.inventory.rules import default_best_before, is_expired
from landkontor.inventory.schemas import BatchCreate, BatchOut, BatchUpdate, NewBatch


def get_batch(session: Session, batch_id: int, *, field: str | None = None) -> Batch:
    return fetch(session, Batch, batch_id, kind="batch", field=field)


def batch_out(session: Session, batch: Batch | Row) -> BatchOut:
    """The response of a batch (an entity or a row of its columns), ``expired`` as of today."""
    out = BatchOut.model_validate(batch)
    out.expired = is_expired(batch.best_before, business_today(settings_of(session)))
    return out


def batches_by_id(session: Session, batch_ids: Iterable[int | None]) -> dict[int, Batch]:
    """The batches of these ids in one statement (for documents that name them)."""
    wanted = {b for b in batch_ids if b is not None}
    if not wanted:
        return {}
    return {b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(wanted)))}


# The columns a batch response shows (no item, no unit, no identity map).
_BATCH_VIEW = select(*(getattr(Batch, name) for name in BatchOut.model_fields if name != "expired"))


def batch_view(session: Session, batch_id: int) -> BatchOut:
    """The response of one batch in one statement (NotFound)."""
    row = session.execute(_BATCH_VIEW.where(Batch.id == batch_id)).first()
    if row is None:
        raise not_found("batch", batch_id)
    return batch_out(session, row)


def find_batch(session: Session, item_id: int, batch_no: str) -> Batch | None:
    return session.scalar(select(Batch).where(Batch.item_id == item_id, Batch.batch_no == batch_no))


def _on_hand() -> Any:
    """The batch's stock over all locations (a correlated sum of its levels)."""
    return (
        select(func.coalesce(func.sum(StockLevel.quantity), 0))
        .where(StockLevel.batch_id == Batch.id)
        .correlate(Batch)
        .scalar_subquery()
    )


def batch_query(
    *,
    item_id: int | None = None,
    status: BatchStatus | None = None,
    batch_no: str | None = None,
    expired: bool | None = None,
    best_before_from: date | None = None,
    best_before_to: date | None = None,
    supplier_id: int | None = None,
    with_stock: bool = False,
    today: date | None = None,
) -> Select:
    """Batches by item, status, number (part of), expiry, best-before window (inclusive),
    supplier, and — ``with_stock`` — only those holding stock somewhere. ``expired``
    compares best-before with ``today`` (a business date)."""
    stmt = select(Batch).order_by(Batch.item_id, Batch.best_before, Batch.batch_no)
    if best_before_from is not None:
        stmt = stmt.where(Batch.best_before >= best_before_from)
    if best_before_to is not None:
        stmt = stmt.where(Batch.best_before <= best_before_to)
    if supplier_id is not None:
        stmt = stmt.where(Batch.supplier_id == supplier_id)
    if with_stock:
        some_stock = (
            select(StockLevel.id)
            .where(StockLevel.batch_id == Batch.id, StockLevel.quantity != 0)
            .limit(1)
            .scalar_subquery()
        )
        stmt = stmt.where(some_stock.is_not(None))
    if item_id is not None:
        stmt = stmt.where(Batch.item_id == item_id)
    if status is not None:
        stmt = stmt.where(Batch.status == status)
    if batch_no:
        stmt = stmt.where(Batch.batch_no.ilike(f"%{batch_no}%"))
    if expired is not None:
        assert today is not None, "expired needs today"
        stmt = stmt.where(
            Batch.best_before < today
            if expired
            else (Batch.best_before.is_(None) | (Batch.best_before >= today))
        )
    return stmt


def list_batches(session: Session, params: PageParams, **filters: Any) -> tuple[list, int]:
    today = business_today(settings_of(session))
    return paginate(session, batch_query(**filters, today=today), params)


# Columns a batch list may be sorted by.
BATCH_SORTS = {
    "best_before": Batch.best_before,
    "batch_no": Batch.batch_no,
    "item_no": Item.item_no,
    "status": Batch.status,
}


def batches_with_stock_levels(
    session: Session,
    params: PageParams,
    *,
    sort: str = "best_before",
    descending: bool = False,
    **filters: Any,
) -> tuple[list[Any], int]:
    """One page of batches (filters as :func:`batch_query`) with ``on_hand``, the batch's
    stock over all locations in the item's base unit. Rows carry ``Batch`` and ``on_hand``;
    the item comes joined with the batch. ``sort`` is a key of BATCH_SORTS."""
    column = BATCH_SORTS.get(sort)
    if column is None:
        raise InvalidInput(f"batches cannot be sorted by {sort!r}", field="sort")
    order = column.desc() if descending else column.asc()
    stmt = (
        batch_query(**filters, today=business_today(settings_of(session)))
        .order_by(None)
        .join(Batch.item)
        .options(contains_eager(Batch.item))  # the one join of items, also for sorting
        .add_columns(_on_hand().label("on_hand"))
        .order_by(order.nulls_last(), Batch.batch_no, Batch.id)
    )
    return paginate_rows(session, stmt, params)


def new_batch(
    session: Session,
    item: Item,
    spec: NewBatch | BatchCreate,
    *,
    origin: BatchOrigin,
    field: str = "batch_no",
) -> Batch:
    """Add a batch of ``item`` (flushes). Best-before defaults to production date (or today)
    plus the item's shelf life. AlreadyExists if the number is taken for this item."""
    if not item.batch_managed:
        raise InvalidInput(f"item {item.item_no} is not batch-managed", field=field)
    if find_batch(session, item.id, spec.batch_no) is not None:
        raise AlreadyExists(
            f"batch {spec.batch_no} of item {item.item_no} already exists", field=field
        )
    best_before = spec.best_before or default_best_before(
        spec.production_date or business_today(settings_of(session)), item.shelf_life_days
    )
    batch = Batch(
        item_id=item.id,
        batch_no=spec.batch_no,
        origin=origin,
        supplier_id=spec.supplier_id,
        supplier_batch_no=spec.supplier_batch_no,
        production_date=spec.production_date,
        best_before=best_before,
        status=BatchStatus.released,
        attributes=spec.attributes,
    )
    session.add(batch)
    session.flush()
    return batch


@use_case
def create_batch(session: Session, data: BatchCreate) -> Batch:
    """Register a batch ahead of its first receipt (or from a certificate)."""
    item = get_item(session, data.item_id, field="item_id")
    return new_batch(session, item, data, origin=data.origin)


@use_case
def update_batch(session: Session, batch_id: int, data: BatchUpdate) -> Batch:
    batch = get_batch(session, batch_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if field == "attributes" and value is None:
            raise InvalidInput("attributes cannot be empty; send {}", field=field)
        setattr(batch, field, value)
    session.flush()
    return batch


def record_status(
    session: Session, batch: Batch, status: BatchStatus, reason: str, actor: str
) -> bool:
    """Set a batch's status and record who/when/why. False if it already had that status.

    A recalled batch stays recalled (InvalidState).
    """
    if batch.status == status:
        return False
    if batch.status == BatchStatus.recalled:
        raise InvalidState(f"batch {batch.batch_no} is recalled; a recall cannot be undone")
    session.add(
        BatchStatusChange(
            batch_id=batch.id,
            from_status=batch.status,
            to_status=status,
            reason=reason,
            changed_by=actor,
        )
    )
    batch.status = status
    return True


@use_case
def change_status(
    session: Session, batch_id: int, status: BatchStatus, reason: str, *, actor: str
) -> Batch:
    """Release, block or recall one batch (no effect if it already has the status)."""
    batch = fetch(session, Batch, batch_id, kind="batch", lock=True)
    record_status(session, batch, status, reason, actor)
    session.flush()
    return batch


def status_history(session: Session, batch_id: int) -> list[BatchStatusChange]:
    get_batch(session, batch_id)
    return list(
        session.scalars(
            select(BatchStatusChange)
            .where(BatchStatusChange.batch_id == batch_id)
            .order_by(BatchStatusChange.id)
        )
    )
