"""A step on a production order as the user saw the order (forms of the web interface).

The order services (release, consume, post_output, complete) take no idempotency key: a
form sent twice — a double click, a resent page — would consume or report output twice.
So a form carries the order's :func:`progress_token` from when it was shown, and
:func:`step_as_seen` runs the step only if the order still has that progress, checked
under the order's row lock in the step's own transaction: of two identical sends the
second finds the order changed (OrderChanged, 409) and changes nothing; so does a form
shown before another user's posting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from landkontor.db.session import use_case
from landkontor.production.errors import OrderChanged
from landkontor.production.models import ProductionOrder
from landkontor.production.orders import get_order

T = TypeVar("T")


def progress_token(order: ProductionOrder) -> str:
    """What changes with every step on the order: status, output and consumption so far."""
    parts = [
        order.status.value,
        str(len(order.outputs)),
        f"{order.produced_quantity:f}",
        *(f"{c.item_id}:{c.consumed_quantity:f}" for c in order.components),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@use_case
def step_as_seen(session: Session, order_id: int, seen: str, step: Callable[[], T]) -> T:
    """Run ``step`` (an order service call, joining this transaction) if the order still
    has the progress ``seen``; OrderChanged otherwise. NotFound for an unknown order."""
    order = get_order(session, order_id, lock=True)
    if progress_token(order) != seen:
        raise OrderChanged(
            f"production order {order.number} changed since the form was shown",
            order_status=order.status.value,
        )
    return step()
