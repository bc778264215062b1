"""Batch genealogy (Chargenverfolgung): links from input batches to output batches, and
traces over them computed in the database with recursive queries.

Production orders, mixing and repacking all record the same link: "stock of batch P went
into batch C". Backward from a batch finds every ancestor (to the suppliers), forward every
descendant (to the customers). A trace is one recursive CTE using the two covering indexes
on ``batch_links``; nothing is loaded into Python but the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CursorResult, and_, func, literal, select, update
from sqlalchemy.orm import Session

from landkontor.db.types import utcnow
from landkontor.db.upsert import insert_for
from landkontor.inventory.models import BatchLink

MAX_DEPTH = 100


class Direction(StrEnum):
    backward = "backward"  # to the inputs (suppliers)
    forward = "forward"  # to the outputs (customers)


@dataclass(frozen=True)
class TracedBatch:
    batch_id: int
    depth: int  # 1 = direct parent/child


def link(
    session: Session,
    parent_batch_id: int,
    child_batch_id: int,
    quantity: Decimal,
    *,
    document_type: str,
    document_id: int,
) -> None:
    """Record that ``quantity`` of the parent went into the child for a document (a second
    call for the same document replaces the quantity: callers pass running totals)."""
    link_parents(
        session,
        child_batch_id,
        {parent_batch_id: quantity},
        document_type=document_type,
        document_id=document_id,
    )


def link_parents(
    session: Session,
    child_batch_id: int,
    parents: dict[int, Decimal],
    *,
    document_type: str,
    document_id: int,
) -> None:
    """:func:`link` of several parents (batch id → quantity) to one child, in one statement."""
    if not parents:
        return
    now = utcnow()
    stmt = insert_for(session, BatchLink).values(
        [
            {
                "parent_batch_id": parent,
                "child_batch_id": child_batch_id,
                "quantity": quantity,
                "document_type": document_type,
                "document_id": document_id,
                "created_at": now,
            }
            for parent, quantity in sorted(parents.items())
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["parent_batch_id", "child_batch_id", "document_type", "document_id"],
        set_={"quantity": stmt.excluded.quantity},
    )
    session.execute(stmt)


def void_links(session: Session, document_type: str, document_id: int) -> int:
    """Void the links a cancelled document made. Returns how many."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(BatchLink)
        .where(
            BatchLink.document_type == document_type,
            BatchLink.document_id == document_id,
            BatchLink.voided_at.is_(None),
        )
        .values(voided_at=utcnow())
    )
    return result.rowcount or 0


def trace(
    session: Session, batch_id: int, direction: Direction, depth: int | None = None
) -> list[TracedBatch]:
    """All ancestors (backward) or descendants (forward) of a batch, with their nearest
    distance, up to ``depth`` steps (default: all). One recursive query."""
    max_depth = min(depth or MAX_DEPTH, MAX_DEPTH)
    links = BatchLink.__table__
    if direction == Direction.backward:
        start, step_from, step_to = (
            links.c.child_batch_id,
            links.c.child_batch_id,
            links.c.parent_batch_id,
        )
    else:
        start, step_from, step_to = (
            links.c.parent_batch_id,
            links.c.parent_batch_id,
            links.c.child_batch_id,
        )
    seed = select(step_to.label("batch_id"), literal(1).label("depth")).where(
        start == batch_id, links.c.voided_at.is_(None)
    )
    tree = seed.cte("tree", recursive=True)
    step = (
        select(step_to, tree.c.depth + 1)
        .join(tree, and_(step_from == tree.c.batch_id, tree.c.depth < max_depth))
        .where(links.c.voided_at.is_(None))
    )
    tree = tree.union(step)
    rows = session.execute(
        select(tree.c.batch_id, func.min(tree.c.depth))
        .group_by(tree.c.batch_id)
        .order_by(func.min(tree.c.depth), tree.c.batch_id)
    )
    return [TracedBatch(b, d) for b, d in rows if b != batch_id]


@dataclass(frozen=True)
class BatchEdge:
    parent_batch_id: int
    child_batch_id: int
    quantity: Decimal  # summed over the documents that linked the two


def links_among(session: Session, batch_ids: list[int]) -> list[BatchEdge]:
    """The live links between the given batches (both ends among them), one per pair: what
    a drawing of a trace needs besides the batches :func:`trace` found. One query."""
    if not batch_ids:
        return []
    rows = session.execute(
        select(BatchLink.parent_batch_id, BatchLink.child_batch_id, func.sum(BatchLink.quantity))
        .where(
            BatchLink.parent_batch_id.in_(batch_ids),
            BatchLink.child_batch_id.in_(batch_ids),
            BatchLink.voided_at.is_(None),
        )
        .group_by(BatchLink.parent_batch_id, BatchLink.child_batch_id)
        .order_by(BatchLink.parent_batch_id, BatchLink.child_batch_id)
    )
    return [BatchEdge(parent, child, quantity) for parent, child, quantity in rows]
