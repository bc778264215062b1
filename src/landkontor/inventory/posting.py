"""Posting stock movements: the only code that writes the ledger, levels and item costs.

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
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.lookup import fetch
from landkontor.db.session import use_case
from landkontor.db.types import utcnow
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory.errors import (
    AlreadyReversed,
    IdempotencyKeyReused,
)
from landkontor.inventory.ledger_writer import Delta, ItemInfo, Valuation, write_movement
from landkontor.inventory.models import (
    Batch,
    Location,
    MovementType,
    StockMovement,
)
from landkontor.inventory.posting_checks import PostingLine, deltas_for

__all__ = ["PostingLine", "post_idempotent", "post_movement", "reverse_movement"]


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


def post_idempotent(
    session: Session, key: str | None, request_hash: str, post: Any
) -> tuple[StockMovement, bool]:
    """Run ``post()`` once per idempotency key. Returns (movement, replayed).

    A second request with the same key returns the first one's movement; two at the same
    time are settled by the unique key in the database.
    """
    if key:
        existing = find_by_idempotency_key(session, key, request_hash)
        if existing is not None:
            return existing, True
    try:
        return post(), False
    except IntegrityError:
        if not key:
            raise
        session.rollback()
        existing = find_by_idempotency_key(session, key, request_hash)
        if existing is None:
            raise
        return existing, True


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
        item = session.get(Item, line.item_id)
        location = session.get(Location, line.location_id)
        batch = session.get(Batch, line.batch_id) if line.batch_id else None
        assert item is not None and location is not None
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
