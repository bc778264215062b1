"""Mixing and repacking outside production orders (recalls: ``production/trace.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.catalog.service import get_item
from landkontor.db.session import use_case
from landkontor.errors import InvalidInput
from landkontor.inventory import genealogy
from landkontor.inventory.batches import find_batch, new_batch
from landkontor.inventory.models import Batch, BatchOrigin, MovementType, StockMix
from landkontor.inventory.posting import PostingLine, post_movement
from landkontor.inventory.schemas import MixIn

DOCUMENT_TYPE = "mix"


@dataclass(frozen=True)
class OpenMix:
    """A mix recorded with its output batch, before any stock moves."""

    record: StockMix
    output_item: Item
    output_batch: Batch


@use_case
def mix(session: Session, data: MixIn, *, actor: str) -> StockMix:
    """Issue the input batches and receive their sum as one output batch, valued at the
    inputs' value, with genealogy links from every input batch to the output batch.

    Inputs must be usable (released, unexpired) like any issue. The output quantity is the
    sum of the inputs in the output item's base unit unless given.
    """
    return post_mix(session, open_mix(session, data, actor=actor), data, actor=actor)


def open_mix(session: Session, data: MixIn, *, actor: str) -> OpenMix:
    """The first half of :func:`mix`, which moves no stock: check the output, find or
    create its batch and record the mix. A caller that needs the record early (to point at
    it) calls this, then :func:`post_mix` in the same transaction."""
    output_item = get_item(session, data.output.item_id, field="output.item_id")
    if not output_item.batch_managed:
        raise InvalidInput(
            f"item {output_item.item_no} is not batch-managed", field="output.item_id"
        )
    if data.output.quantity is None:
        for index, line in enumerate(data.inputs):
            item = get_item(session, line.item_id, field=f"inputs[{index}].item_id")
            if item.base_unit_id != output_item.base_unit_id:
                raise InvalidInput(
                    f"item {item.item_no} is kept in another unit than the output; "
                    "give output.quantity",
                    field="output.quantity",
                )
    spec = data.output.batch
    batch = find_batch(session, output_item.id, spec.batch_no) or new_batch(
        session, output_item, spec, origin=BatchOrigin.manual, field="output.batch.batch_no"
    )
    record = StockMix(
        reference=data.reference, reason=data.reason, created_by=actor, output_batch_id=batch.id
    )
    session.add(record)
    session.flush()
    return OpenMix(record, output_item, batch)


def post_mix(session: Session, opened: OpenMix, data: MixIn, *, actor: str) -> StockMix:
    """The second half of :func:`mix`: the issue of the inputs, the receipt of the output
    and the genealogy links (the stock postings last, so the item cost rows they lock are
    held for the shortest time)."""
    record, batch = opened.record, opened.output_batch
    issue = post_movement(
        session,
        MovementType.issue,
        [
            PostingLine(
                item_id=i.item_id,
                location_id=i.location_id,
                quantity=i.quantity,
                unit=i.unit,
                batch_id=i.batch_id,
            )
            for i in data.inputs
        ],
        actor=actor,
        reference=data.reference,
        reason=data.reason,
        document_type=DOCUMENT_TYPE,
        document_id=record.id,
    )
    consumed = -sum((line.quantity for line in issue.lines), Decimal(0))
    value = -sum((line.value for line in issue.lines), Decimal(0))
    quantity = data.output.quantity or consumed
    post_movement(
        session,
        MovementType.receipt,
        [
            PostingLine(
                item_id=opened.output_item.id,
                location_id=data.output.location_id,
                quantity=quantity,
                batch_id=batch.id,
                value=value,
            )
        ],
        actor=actor,
        reference=data.reference,
        reason=data.reason,
        document_type=DOCUMENT_TYPE,
        document_id=record.id,
    )
    into: dict[int, Decimal] = {}
    for entry in issue.lines:
        if entry.batch_id is not None and entry.batch_id != batch.id:
            into[entry.batch_id] = into.get(entry.batch_id, Decimal(0)) - entry.quantity
    for parent, amount in into.items():
        genealogy.link(
            session, parent, batch.id, amount, document_type=DOCUMENT_TYPE, document_id=record.id
        )
    return record
