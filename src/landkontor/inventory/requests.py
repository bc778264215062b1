"""Movement requests from the API: receipts may create batches; Idempotency-Key replays."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item
from landkontor.db.session import use_case
from landkontor.errors import InvalidInput
from landkontor.inventory.batches import find_batch, new_batch
from landkontor.inventory.models import BatchOrigin, MovementType, StockMovement
from landkontor.inventory.posting import (
    PostingLine,
    post_idempotent,
    post_movement,
    request_fingerprint,
)
from landkontor.inventory.schemas import MovementIn


def post_request(
    session: Session, body: MovementIn, *, actor: str, key: str | None
) -> tuple[StockMovement, bool]:
    """Post a movement request once per idempotency key. Returns (movement, replayed)."""
    fingerprint = request_fingerprint({"body": body.model_dump(mode="json"), "actor": actor})
    return post_idempotent(
        session, key, fingerprint, lambda: _post(session, body, actor, key, fingerprint)
    )


@use_case
def _post(
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
