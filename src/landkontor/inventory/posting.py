"""Posting stock movements — the front door: the only way to write the ledger, levels and
item costs.

How a request becomes a posting, in the order it happens:

1. :func:`post_request` (API and web movement form): the request's fingerprint; a replayed
   ``Idempotency-Key`` returns the first result; receipts may name a new batch, created here.
2. :func:`post_movement` (every domain, with :class:`PostingLine` s): one transaction.
3. :func:`landkontor.inventory.posting_checks.deltas_for` checks the lines and turns each into
   level changes (:class:`~landkontor.inventory.posting_types.Delta`); nothing is written yet.
4. :func:`landkontor.inventory.ledger_writer.write_movement` writes header, levels, costs and
   ledger lines.

:func:`reverse_movement` posts the exact opposite of a movement through the same writer.

One posting is one transaction (``@use_case``): the movement header, its immutable ledger
lines, the stock levels per (item, location, batch) and the moving-average cost per item.
Concurrency is left to the database: each posting first locks the cost rows of its items in
item-id order (an UPSERT that returns the row), so postings of one item serialise and cannot
lose updates or deadlock; level changes are atomic UPSERTs that return the new quantity, and a
negative result aborts the whole posting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item
from landkontor.common.lookup import fetch
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory.batches import find_batch, new_batch
from landkontor.inventory.errors import (
    AlreadyReversed,
    IdempotencyKeyReused,
)
from landkontor.inventory.ledger_writer import write_movement
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    Location,
    MovementType,
    StockMovement,
)
from landkontor.inventory.posting_checks import deltas_for
from landkontor.inventory.posting_types import Delta, ItemInfo, PostingLine, Valuation
from landkontor.inventory.schemas import MovementIn

__all__ = [
    "PostingLine",
    "post_idempotent",
    "post_movement",
    "post_request",
    "reverse_movement",
]


def request_fingerprint(payload: Any) -> str:
    """A stable hash of a request body, to tell a replay from a different request."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def find_by_idempotency_key(
    session: Session, key: str, request_hash: str | None
) -> StockMovement | None:
    """The movement posted earlier with this key; IdempotencyKeyReused if the request differs."""
    movement = session.scalar(select(StockMovement).where(StockMovement.idempotency_key == key))
    if movement is not None and request_hash and movement.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request", field="Idempotency-Key"
        )
    return movement


def post_request(
    session: Session, body: MovementIn, *, actor: str, key: str | None
) -> tuple[StockMovement, bool]:
    """Post a movement request once per idempotency key. Returns (movement, replayed).

    A second request with the same key returns the first one's movement; two at the same
    time are settled by the unique key in the database. The same key with another request
    is IdempotencyKeyReused (422).
    """
    fingerprint = request_fingerprint({"body": body.model_dump(mode="json"), "actor": actor})
    return post_idempotent(
        session, key, fingerprint, lambda: _post_request(session, body, actor, key, fingerprint)
    )


def post_idempotent(
    session: Session, key: str | None, request_hash: str, post: Callable[[], StockMovement]
) -> tuple[StockMovement, bool]:
    """Run ``post()`` once per idempotency key. Returns (movement, replayed).

    The one home of idempotent posting (stock requests, goods receipts, deliveries): a second
    request with the same key returns the first one's movement; two at the same time are
    settled by the unique key in the database.
    """
    if key:
        earlier = find_by_idempotency_key(session, key, request_hash)
        if earlier is not None:
            return earlier, True
    try:
        return post(), False
    except IntegrityError:
        if not key:
            raise
        session.rollback()
        earlier = find_by_idempotency_key(session, key, request_hash)
        if earlier is None:
            raise
        return earlier, True


@use_case
def _post_request(
    session: Session, body: MovementIn, actor: str, key: str | None, fingerprint: str
) -> StockMovement:
    lines = []
    for index, line in enumerate(body.lines):
        batch_id = line.batch_id
        if line.batch is not None:
            field = f"lines[{index}].batch"
            if body.type != MovementType.receipt:
                raise InvalidInput("only receipts create batches; give batch_id", field=field)
            if batch_id is not None:
                raise InvalidInput("give batch_id or batch, not both", field=field)
            item = get_item(session, line.item_id, field=f"lines[{index}].item_id")
            batch = find_batch(session, item.id, line.batch.batch_no) or new_batch(
                session, item, line.batch, origin=BatchOrigin.receipt, field=f"{field}.batch_no"
            )
            batch_id = batch.id
        lines.append(
            PostingLine(
                item_id=line.item_id,
                location_id=line.location_id,
                quantity=line.quantity,
                unit=line.unit,
                batch_id=batch_id,
                to_location_id=line.to_location_id,
                unit_cost=line.unit_cost,
            )
        )
    return post_movement(
        session,
        body.type,
        lines,
        actor=actor,
        reference=body.reference,
        reason=body.reason,
        idempotency_key=key,
        request_hash=fingerprint,
    )


@use_case
def post_movement(
    session: Session,
    movement_type: MovementType,
    lines: list[PostingLine],
    *,
    actor: str,
    reference: str = "",
    reason: str = "",
    document_type: str | None = None,
    document_id: int | None = None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    stocktake: bool = False,
) -> StockMovement:
    """Post a receipt, issue, transfer or adjustment as one transaction.

    Rules: quantities are converted exactly to the base unit; batch-managed items need a
    batch on every line; only leaf locations take stock; blocked locations take nothing in
    and give nothing out except by transfer or adjustment; locations under an open stocktake
    take no postings but the stocktake's own; issues need a released, unexpired batch; no
    level may go negative unless the item or location allows it.
    Raises InvalidInput (422), InsufficientStock, BatchNotUsable, LocationNotUsable (409).
    """
    if not lines:
        raise InvalidInput("a movement needs at least one line", field="lines")
    if movement_type == MovementType.reversal:
        raise InvalidInput("use reverse_movement for reversals", field="type")
    deltas = deltas_for(session, movement_type, lines, stocktake=stocktake)
    movement = StockMovement(
        movement_type=movement_type,
        reference=reference,
        reason=reason,
        document_type=document_type,
        document_id=document_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        posted_by=actor,
        posted_at=utcnow(),
    )
    return write_movement(session, movement, deltas)


def get_movement(session: Session, movement_id: int) -> StockMovement:
    movement = fetch(session, StockMovement, movement_id, kind="movement")
    return movement


@use_case
def reverse_movement(
    session: Session,
    movement_id: int,
    *,
    reason: str,
    actor: str,
    document_type: str | None = None,
    document_id: int | None = None,
    own_document: bool = False,
) -> StockMovement:
    """Post the exact opposite of a movement (the only way to correct the ledger).

    Stock that went out comes back at the cost it left with; stock that came in leaves at
    the current moving average; transfers are undone value-neutrally. A movement is reversed
    at most once; reversals are not reversed again; movements of a business document
    (delivery, stocktake …) are reversed through that document (``own_document=True``).
    """
    original = fetch(session, StockMovement, movement_id, kind="movement", lock=True)
    if original.movement_type == MovementType.reversal:
        raise InvalidState("a reversal cannot be reversed; post the movement again instead")
    if original.document_type and not own_document:
        raise InvalidState(
            f"movement {movement_id} belongs to {original.document_type} "
            f"{original.document_id}; correct it there"
        )
    if session.scalar(select(StockMovement.id).where(StockMovement.reverses_id == movement_id)):
        raise AlreadyReversed(f"movement {movement_id} is already reversed")
    deltas = []
    is_transfer = original.movement_type == MovementType.transfer
    for line in original.lines:
        item = fetch(session, Item, line.item_id, kind="item")
        location = fetch(session, Location, line.location_id, kind="location")
        batch = fetch(session, Batch, line.batch_id, kind="batch") if line.batch_id else None
        if is_transfer:
            valuation, cost, value = Valuation.fixed, line.unit_cost, -line.value
        elif line.quantity > 0:
            valuation, cost, value = Valuation.outflow, None, None
        else:
            valuation, cost, value = Valuation.inflow, line.unit_cost, None
        deltas.append(
            Delta(
                ItemInfo.of(item),
                location,
                batch,
                -line.quantity,
                -line.entered_quantity,
                line.entered_unit,
                valuation,
                unit_cost=cost,
                value=value,
            )
        )
    movement = StockMovement(
        movement_type=MovementType.reversal,
        reference=original.reference,
        reason=reason,
        document_type=document_type or original.document_type,
        document_id=document_id or original.document_id,
        reverses_id=original.id,
        posted_by=actor,
        posted_at=utcnow(),
    )
    try:
        return write_movement(session, movement, deltas)
    except IntegrityError:
        # Another reversal of the same movement committed first (reverses_id is unique).
        raise AlreadyReversed(f"movement {movement_id} is already reversed") from None
