"""Loading one row by id for a use case: not found as a clear error, optionally locked.

The lock is PostgreSQL's ``FOR NO KEY UPDATE``: writers of the row wait for each other, but
it does not conflict with the ``KEY SHARE`` locks that inserting a referencing row (a foreign
key) takes. Plain ``FOR UPDATE`` would: locking a customer would then wait for every open
transaction that just wrote one of its orders or invoices, and such waits deadlock. SQLite
ignores it (its writers are serialised anyway).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from landkontor.errors import InvalidInput, not_found

T = TypeVar("T")

NO_KEY_UPDATE: dict[str, Any] = {"key_share": True}


def fetch(
    session: Session,
    model: type[T],
    key: Any,
    *,
    kind: str,
    lock: bool = False,
    field: str | None = None,
) -> T:
    """The ``model`` row with primary key ``key``.

    Missing: NotFound (404), or InvalidInput (422) naming ``field`` when the id came in a
    request body. ``lock`` takes the row lock and reloads the row (and its eagerly loaded
    relationships) as of that lock.
    """
    row = session.get(
        model, key, with_for_update=NO_KEY_UPDATE if lock else None, populate_existing=lock
    )
    if row is None:
        if field is not None:
            raise InvalidInput(f"{kind} {key} does not exist", field=field)
        raise not_found(kind, key)
    return row
