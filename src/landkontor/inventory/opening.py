"""Opening stock (Anfangsbestand): the balances an installation starts with, posted as stock
receipts through the ledger — one movement per (item, location, batch).

Each balance carries an idempotency key derived from its natural key (item number,
warehouse, location, batch number), so posting the same balance again — the same file
imported twice, a re-run after a worker was killed, the rows of a re-sorted or corrected
file — finds the movement already posted instead of posting twice. A balance that was posted
with other values is refused: the ledger is append-only, corrections are adjustments.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.db.session import use_case
from landkontor.errors import AlreadyExists, DomainError, InvalidInput
from landkontor.inventory.batches import find_batch, new_batch
from landkontor.inventory.models import (
    Batch,
    BatchOrigin,
    Location,
    MovementType,
    StockMovement,
    Warehouse,
)
from landkontor.inventory.posting import PostingLine, post_movement, request_fingerprint
from landkontor.inventory.schemas import NewBatch, OpeningStockIn

REFERENCE = "opening-stock"
POSTED, ALREADY_POSTED = "created", "unchanged"  # outcomes, in the import report's words


def balance_key(balance: OpeningStockIn) -> str:
    """The idempotency key of a balance: one opening balance per item, location and batch."""
    natural = [balance.item_no, balance.warehouse, balance.location, balance.batch_no or ""]
    digest = hashlib.sha256(json.dumps(natural).encode()).hexdigest()
    return f"{REFERENCE}:{digest[:48]}"


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"  # 100, 100.0 and 100.0000 are the same quantity


def balance_fingerprint(balance: OpeningStockIn) -> str:
    """What was posted for a key: the same values give the same fingerprint."""
    return request_fingerprint(
        {
            "opening_stock": [balance.item_no, balance.warehouse, balance.location],
            "batch_no": balance.batch_no,
            "best_before": balance.best_before,
            "quantity": _plain(balance.quantity),
            "unit": balance.unit,
            "unit_cost": _plain(balance.unit_cost),
        }
    )


class _Lookups:
    """Items, locations, batches and earlier postings of one chunk, each in one query."""

    def __init__(self, session: Session, balances: list[OpeningStockIn]) -> None:
        numbers = {b.item_no for b in balances}
        self.items = {
            i.item_no: i for i in session.scalars(select(Item).where(Item.item_no.in_(numbers)))
        }
        places = {(b.warehouse, b.location) for b in balances}
        rows = session.execute(
            select(Warehouse.code, Location)
            .join(Location, Location.warehouse_id == Warehouse.id)
            .where(tuple_(Warehouse.code, Location.code).in_(places))
        )
        self.locations = {(code, location.code): location for code, location in rows}
        self.warehouses = set(
            session.scalars(
                select(Warehouse.code).where(Warehouse.code.in_({b.warehouse for b in balances}))
            )
        )
        item_batches = {
            (self.items[b.item_no].id, b.batch_no)
            for b in balances
            if b.batch_no and b.item_no in self.items
        }
        self.batches = (
            {
                (batch.item_id, batch.batch_no): batch
                for batch in session.scalars(
                    select(Batch).where(tuple_(Batch.item_id, Batch.batch_no).in_(item_batches))
                )
            }
            if item_batches
            else {}
        )
        keys = [balance_key(b) for b in balances]
        self.posted = {
            key: (movement_id, fingerprint)
            for key, movement_id, fingerprint in session.execute(
                select(
                    StockMovement.idempotency_key, StockMovement.id, StockMovement.request_hash
                ).where(StockMovement.idempotency_key.in_(keys))
            )
        }

    def resolve(self, balance: OpeningStockIn) -> tuple[Item, Location]:
        item = self.items.get(balance.item_no)
        if item is None:
            raise InvalidInput(f"item {balance.item_no} does not exist", field="item_no")
        if balance.warehouse not in self.warehouses:
            raise InvalidInput(f"warehouse {balance.warehouse} does not exist", field="warehouse")
        location = self.locations.get((balance.warehouse, balance.location))
        if location is None:
            raise InvalidInput(
                f"location {balance.location} does not exist in warehouse {balance.warehouse}",
                field="location",
            )
        return item, location


def _batch_id(
    session: Session, balance: OpeningStockIn, item: Item, lookups: _Lookups
) -> int | None:
    if not balance.batch_no:
        return None
    # Not in the chunk's look-up: created for an earlier row of this chunk, or new.
    batch = lookups.batches.get((item.id, balance.batch_no)) or find_batch(
        session, item.id, balance.batch_no
    )
    if batch is None:
        spec = NewBatch(batch_no=balance.batch_no, best_before=balance.best_before)
        return new_batch(session, item, spec, origin=BatchOrigin.manual).id
    if balance.best_before is not None and batch.best_before != balance.best_before:
        raise InvalidInput(
            f"batch {batch.batch_no} of item {item.item_no} exists with best-before "
            f"{batch.best_before}, not {balance.best_before}",
            field="best_before",
        )
    return batch.id


def _post(
    session: Session,
    balance: OpeningStockIn,
    item: Item,
    location: Location,
    lookups: _Lookups,
    *,
    actor: str,
    source: str,
) -> str:
    key, fingerprint = balance_key(balance), balance_fingerprint(balance)
    posted = lookups.posted.get(key)
    if posted is not None:
        movement_id, posted_fingerprint = posted
        if posted_fingerprint != fingerprint:
            raise AlreadyExists(
                f"the opening stock of {item.item_no} at {balance.warehouse}/{balance.location}"
                f"{' batch ' + balance.batch_no if balance.batch_no else ''} was posted with "
                f"other values (movement {movement_id}); correct it with a stock adjustment"
            )
        return ALREADY_POSTED
    line = PostingLine(
        item_id=item.id,
        location_id=location.id,
        quantity=balance.quantity,
        unit=balance.unit,
        batch_id=_batch_id(session, balance, item, lookups),
        unit_cost=balance.unit_cost,
    )
    try:
        post_movement(
            session,
            MovementType.receipt,
            [line],
            actor=actor,
            reference=REFERENCE,
            reason=f"opening stock from {source}"[:2000],
            idempotency_key=key,
            request_hash=fingerprint,
        )
    except DomainError as exc:
        raise _without_line_prefix(exc) from None
    return POSTED


def _without_line_prefix(exc: DomainError) -> DomainError:
    """The posting names fields of its lines (lines[0].batch_id); a file row has columns."""
    columns = {"item_id": "item_no", "location_id": "location", "batch_id": "batch_no"}
    for error in exc.errors:
        name = str(error.get("field") or "").removeprefix("lines[0].")
        error["field"] = columns.get(name, name)
    return exc


@use_case
def post_opening_stock(
    session: Session, balances: list[OpeningStockIn], *, actor: str, source: str
) -> list[str | DomainError]:
    """Post opening balances as stock receipts, as one transaction (an import chunk).

    Returns one outcome per balance, in order: "created" (posted now), "unchanged" (posted
    before with the same values) or the DomainError that refused it — unknown item,
    warehouse or location, a batch that exists with another best-before, the posting rules
    (batch-managed items need a batch, only leaf, unblocked locations, active items), or a
    balance posted before with other values (AlreadyExists). A refused balance leaves no
    trace (savepoint); the others are posted. Balances are posted in item order, the order
    in which every posting locks items, so concurrent postings cannot deadlock with it.
    """
    lookups = _Lookups(session, balances)
    outcomes: list[str | DomainError | None] = [None] * len(balances)
    resolved: list[tuple[int, Item, Location]] = []
    for index, balance in enumerate(balances):
        try:
            resolved.append((index, *lookups.resolve(balance)))
        except DomainError as exc:
            outcomes[index] = exc
    for index, item, location in sorted(resolved, key=lambda r: (r[1].id, r[0])):
        try:
            with session.begin_nested():
                outcomes[index] = _post(
                    session, balances[index], item, location, lookups, actor=actor, source=source
                )
        except DomainError as exc:
            outcomes[index] = exc
    return [outcome for outcome in outcomes if outcome is not None]  # every one is set
